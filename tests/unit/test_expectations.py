"""Expectation checking (runtime_service/simulator/expectations.py): each expectation's
verdict, with what was expected and observed, from a reply and a trace alone."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from runtime_service.simulator.expectations import NOT_JUDGED, check_turn, contains, judged


def answer(reply: str = "Your invoice INV-42 is paid.", agent: str = "billing",
           rule: int | None = 0, prompts: tuple[str, ...] = ("vip",),
           calls: tuple[tuple[str, dict[str, Any]], ...] = ()) -> rpb.ChatResponse:
    trace = rpb.ChatTrace(answering_agent_id=agent, matched_conditional_prompt_ids=prompts)
    if rule is not None:
        trace.squad.CopyFrom(rpb.SquadTrace(squad_id="desk", handoff_rule_index=rule,
                                            answering_agent_id=agent))
    for tool, args in calls:
        call = trace.tool_calls.add(outcome=rpb.TOOL_OUTCOME_MOCKED).call
        call.tool = tool
        call.arguments.update(args)
    return rpb.ChatResponse(reply=reply, trace=trace)


def expect(**fields: object) -> tpb.TurnExpectations:
    return json_format.ParseDict(fields, tpb.TurnExpectations())


def verdicts(e: tpb.TurnExpectations, a: rpb.ChatResponse) -> list[tuple[str, bool, str]]:
    return [(r.expectation, r.passed, r.observed) for r in check_turn(e, a)]


def test_nothing_expected_checks_nothing() -> None:
    assert check_turn(tpb.TurnExpectations(), answer()) == []


def test_routing_expectations() -> None:
    e = expect(agent_id="billing", check_handoff=True, handoff_rule_index=0,
               check_conditional_prompts=True, conditional_prompt_ids=["vip"])
    assert verdicts(e, answer()) == [("agent_id", True, "billing"),
                                     ("handoff_rule_index", True, "0"),
                                     ("conditional_prompt_ids", True, "vip")]
    wrong = answer(agent="support", rule=None, prompts=("pt", "vip"))
    assert verdicts(e, wrong) == [("agent_id", False, "support"),
                                  ("handoff_rule_index", False, "-1"),
                                  ("conditional_prompt_ids", False, "pt, vip")]


def test_an_empty_prompt_set_can_be_expected() -> None:
    e = expect(check_conditional_prompts=True)
    assert verdicts(e, answer(prompts=())) == [("conditional_prompt_ids", True, "(none)")]
    assert verdicts(e, answer()) == [("conditional_prompt_ids", False, "vip")]


def test_tool_calls_by_name_with_an_argument_subset() -> None:
    e = expect(tool_calls=[{"tool": "order-status", "arguments_subset": {"order_number":
                                                                          "AB123456"}},
                           {"tool": "weather"}])
    made = answer(calls=(("order-status", {"order_number": "AB123456", "verbose": True}),))
    found = check_turn(e, made)
    assert [(r.expectation, r.passed) for r in found] == [("tool_calls[0]", True),
                                                          ("tool_calls[1]", False)]
    assert found[1].observed == "no call to it (calls: order-status)"
    other = check_turn(e, answer(calls=(("order-status", {"order_number": "ZZ000000"}),)))
    assert not other[0].passed and "ZZ000000" in other[0].observed
    assert check_turn(e, answer())[1].observed == "no call to it (no tool calls)"


def test_subsets() -> None:
    assert contains({"a": 1.0, "b": {"c": [1, 2], "d": "x"}}, {"a": 1, "b": {"c": [1, 2]}})
    assert not contains({"a": {"c": [1, 2, 3]}}, {"a": {"c": [1, 2]}})
    assert contains({"a": 1}, {}) and not contains("text", {"a": 1})


def test_reply_expectations() -> None:
    e = expect(reply_contains=["INV-42", "refund"], reply_not_contains=["sorry"],
               reply_regex=r"INV-\d+")
    assert [(r.expectation, r.passed) for r in check_turn(e, answer())] == [
        ("reply_contains[0]", True), ("reply_contains[1]", False),
        ("reply_not_contains[0]", True), ("reply_regex", True)]
    long = check_turn(expect(reply_contains=["x"]), answer(reply="y" * 1000))[0]
    assert len(long.observed) < 400  # what is shown is bounded


def test_a_criterion_without_a_model_is_reported_not_failed() -> None:
    skipped = judged("the reply apologises", None, "")
    assert (skipped.passed, skipped.observed) == (True, NOT_JUDGED)
    failed = judged("the reply apologises", False, "NO: it does not apologise")
    assert (failed.passed, failed.expectation) == (False, "judge_criterion")
