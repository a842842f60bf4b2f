"""A test case's checks, as a table: each bad case gives exactly the paths and reasons it
must be refused with (the turn and the field named), and a good one gives none."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from config_service.domain import limits as L
from config_service.domain.testcase_checks import check_case
from config_service.domain.testcase_refs import references
from config_service.domain.testcases import CaseBody


def turn(**fields: Any) -> dict[str, Any]:
    return {"user_message": "Where is my invoice?",
            "script": {"moves": [{"reply": "It is on its way."}]},
            "expect": {"agent_id": "billing"}} | fields


def case(*turns: dict[str, Any], **fields: Any) -> CaseBody:
    body = CaseBody("invoice", "Invoice", "squad", "front-desk", "scripted",
                    turns or (turn(),), ({"tool": "order-status", "result": {"ok": True}},))
    return replace(body, **fields)


def found(body: CaseBody) -> list[tuple[str, str]]:
    return [(v.field, v.reason) for v in check_case(body)]


def test_a_good_case_has_no_problems() -> None:
    assert found(case()) == []
    # the configured model needs no script
    assert found(case(turn(script={}), responder="configured")) == []


T0 = "test_case.turns[0]."
BAD: list[tuple[str, CaseBody, list[tuple[str, str]]]] = [
    ("id-missing", case(test_case_id=""), [("test_case.test_case_id", "REQUIRED")]),
    ("id-shape", case(test_case_id="Bad Id"), [("test_case.test_case_id", "BAD_ID")]),
    ("target-kind", case(target_kind="tool"), [("test_case.target_kind", "BAD_TARGET")]),
    ("target-id", case(target_id=""), [("test_case.target_id", "REQUIRED")]),
    ("responder", case(responder=""), [("test_case.responder", "BAD_ENUM")]),
    ("no-turns", replace(case(), turns=()), [("test_case.turns", "REQUIRED")]),
    ("too-many-turns", case(*[turn()] * (L.MAX_TEST_TURNS + 1)),
     [("test_case.turns", "TOO_MANY")]),
    ("empty-message", case(turn(user_message=" ")), [(f"{T0}user_message", "REQUIRED")]),
    ("long-message", case(turn(user_message="x" * (L.MAX_TEST_MESSAGE + 1))),
     [(f"{T0}user_message", "TOO_LONG")]),
    ("bad-regex", case(turn(), turn(expect={"reply_regex": "(["})),
     [("test_case.turns[1].expect.reply_regex", "BAD_REGEX")]),
    ("empty-contains", case(turn(expect={"reply_contains": ["ok", ""]})),
     [(f"{T0}expect.reply_contains[1]", "REQUIRED")]),
    ("long-criterion", case(turn(expect={"judge_criterion": "x" * 1001})),
     [(f"{T0}expect.judge_criterion", "TOO_LONG")]),
    ("handoff-index", case(turn(expect={"check_handoff": True, "handoff_rule_index": -2})),
     [(f"{T0}expect.handoff_rule_index", "OUT_OF_RANGE")]),
    ("prompt-id", case(turn(expect={"conditional_prompt_ids": ["VIP"]})),
     [(f"{T0}expect.conditional_prompt_ids[0]", "BAD_ID")]),
    ("expected-tool", case(turn(expect={"tool_calls": [{"tool": ""}]})),
     [(f"{T0}expect.tool_calls[0].tool", "REQUIRED")]),
    ("subset-not-object", case(turn(expect={"tool_calls": [{"tool": "weather",
                                                           "arguments_subset": [1]}]})),
     [(f"{T0}expect.tool_calls[0].arguments_subset", "NOT_AN_OBJECT")]),
    ("empty-move", case(turn(script={"moves": [{}]})), [(f"{T0}script.moves[0]", "REQUIRED")]),
    ("no-script", case(turn(script={})), [(f"{T0}script.moves", "REQUIRED")]),
    ("scripted-tool", case(turn(script={"moves": [{"tool_calls": [{"tool": "a b"}]}]})),
     [(f"{T0}script.moves[0].tool_calls[0].tool", "BAD_TOOL")]),
    ("call-id-twice", case(turn(script={"moves": [
        {"tool_calls": [{"call_id": "c1", "tool": "weather"}]},
        {"tool_calls": [{"call_id": "c1", "tool": "weather"}]}]})),
     [(f"{T0}script.moves[1].tool_calls[0].call_id", "DUPLICATE")]),
    ("too-many-moves", case(turn(script={"moves": [{"reply": "x"}] * 11})),
     [(f"{T0}script.moves", "TOO_MANY")]),
    ("mock-without-outcome", case(mocks=({"tool": "weather"},)),
     [("test_case.mocks[0]", "REQUIRED")]),
    ("mock-twice", case(mocks=({"tool": "weather", "error": "x"},
                               {"tool": "weather", "result": 1})),
     [("test_case.mocks[1].tool", "DUPLICATE")]),
    ("mcp-tool-ref", case(mocks=({"tool": "files/", "result": 1},)),
     [("test_case.mocks[0].tool", "BAD_TOOL")]),
    ("too-large", case(turn(context={"variables": {"blob": "x" * L.MAX_TEST_CASE_BYTES}})),
     [("test_case", "TOO_LARGE")]),
]


@pytest.mark.parametrize(("body", "expected"), [(b, e) for _, b, e in BAD],
                         ids=[name for name, _, _ in BAD])
def test_bad_cases(body: CaseBody, expected: list[tuple[str, str]]) -> None:
    assert found(body) == expected


SPECS: dict[tuple[str, str], dict[str, Any]] = {
    ("agent", "support"): {"tool_ids": ["weather"], "mcp_server_ids": ["files"]},
    ("agent", "billing"): {"tool_ids": ["order-status"]},
    ("squad", "front-desk"): {"member_agent_ids": ["support", "billing"],
                              "handoff_rules": [{"to_agent_id": "billing"}]},
    ("mcp_server", "files"): {"allowed_tools": ["search_files"]},
    ("conditional_prompt", "vip"): {},
}


def refs(body: CaseBody) -> list[tuple[str, str]]:
    return [(v.field, v.reason) for v in references(body, SPECS)]


def test_references_that_resolve() -> None:
    good = case(turn(expect={"agent_id": "billing", "check_handoff": True,
                             "handoff_rule_index": 0, "conditional_prompt_ids": ["vip"]}),
                mocks=({"tool": "files/search_files", "result": []},
                       {"tool": "order-status", "error": "down"}))
    assert refs(good) == []


def test_references_that_do_not() -> None:
    assert refs(case(target_id="ghost")) == [("test_case.target_id", "UNKNOWN_TARGET")]
    bad = case(turn(expect={"agent_id": "sales", "check_handoff": True,
                            "handoff_rule_index": 1, "conditional_prompt_ids": ["pt"]}),
               mocks=({"tool": "files/read_file", "result": 1},
                      {"tool": "refunds", "result": 1}))
    assert refs(bad) == [(f"{T0}expect.agent_id", "NOT_A_MEMBER"),
                         (f"{T0}expect.handoff_rule_index", "OUT_OF_RANGE"),
                         (f"{T0}expect.conditional_prompt_ids[0]", "UNKNOWN_PROMPT"),
                         ("test_case.mocks[0].tool", "UNKNOWN_TOOL"),
                         ("test_case.mocks[1].tool", "UNKNOWN_TOOL")]
    agent = case(turn(expect={"agent_id": "billing"}), target_kind="agent",
                 target_id="support", mocks=())
    assert refs(agent) == [(f"{T0}expect.agent_id", "NOT_A_MEMBER")]
