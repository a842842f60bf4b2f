"""The checks of a test case, each problem a field violation whose path names the turn and
the field (``test_case.turns[2].expect.reply_regex``). These need nothing but the case;
testcase_refs.py checks what it names against the content it targets."""

from __future__ import annotations

import re
from typing import Any

from agentconfig.canonical import canonical_json
from agentconfig.errors import FieldViolation
from config_service.domain import limits as L
from config_service.domain.field_checks import violation
from config_service.domain.testcases import RESPONDERS, TARGET_KINDS, CaseBody, Json

# a tool id, or "<mcp_server_id>/<tool name>"
TOOL_REF = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}(/[A-Za-z0-9_.-]{1,64})?\Z")


def _text(value: Any, path: str, limit: int, *, required: bool = False,
          ) -> list[FieldViolation]:
    text = value if isinstance(value, str) else ""
    if required and not text.strip():
        return [violation(path, "is required", "REQUIRED")]
    if len(text) > limit:
        return [violation(path, f"is {len(text)} characters; the limit is {limit}", "TOO_LONG")]
    return []


def _id(value: str, path: str, what: str = "id") -> list[FieldViolation]:
    if not value:
        return [violation(path, "is required", "REQUIRED")]
    if not L.ENTITY_ID.match(value):
        return [violation(path, f"{value!r} is not a valid {what} (1-63 lowercase letters, "
                                "digits, '_' or '-')", "BAD_ID")]
    return []


def _count(items: list[Any], path: str, limit: int) -> list[FieldViolation]:
    if len(items) > limit:
        return [violation(path, f"has {len(items)} items; the limit is {limit}", "TOO_MANY")]
    return []


def _tool(value: Any, path: str) -> list[FieldViolation]:
    if not value:
        return [violation(path, "is required: a tool id or '<mcp_server_id>/<tool name>'",
                          "REQUIRED")]
    if not isinstance(value, str) or not TOOL_REF.match(value):
        return [violation(path, f"{value!r} is not a tool id or '<mcp_server_id>/<tool name>'",
                          "BAD_TOOL")]
    return []


def _texts(values: list[Any], path: str) -> list[FieldViolation]:
    out = _count(values, path, L.MAX_LIST)
    for i, value in enumerate(values):
        out += _text(value, f"{path}[{i}]", L.MAX_EXPECTATION_TEXT, required=True)
    return out


def _regex(value: str, path: str) -> list[FieldViolation]:
    out = _text(value, path, L.MAX_EXPECTATION_TEXT)
    if value and not out:
        try:
            re.compile(value)
        except re.error as exc:
            out.append(violation(path, f"does not compile: {exc}", "BAD_REGEX"))
    return out


def _context(context: Json, p: str) -> list[FieldViolation]:
    out = _count(context.get("tags", []), f"{p}tags", L.MAX_LIST)
    for i, tag in enumerate(context.get("tags", [])):
        out += _text(tag, f"{p}tags[{i}]", L.MAX_NAME)
    for name in ("locale", "channel_type"):
        out += _text(context.get(name, ""), f"{p}{name}", L.MAX_NAME)
    return out + _text(context.get("message", ""), f"{p}message", L.MAX_TEST_MESSAGE)


def _script(script: Json, p: str) -> list[FieldViolation]:
    moves = script.get("moves", [])
    out = _count(moves, f"{p}moves", L.MAX_SCRIPT_MOVES)
    call_ids: set[str] = set()
    for i, move in enumerate(moves):
        mp = f"{p}moves[{i}]."
        calls = move.get("tool_calls", [])
        if not move.get("reply") and not calls:
            out.append(violation(f"{p}moves[{i}]", "set reply or tool_calls", "REQUIRED"))
        out += _text(move.get("reply", ""), f"{mp}reply", L.MAX_TEST_MESSAGE)
        out += _count(calls, f"{mp}tool_calls", L.MAX_TOOL_CALLS)
        for j, call in enumerate(calls):
            cp = f"{mp}tool_calls[{j}]."
            out += _tool(call.get("tool", ""), f"{cp}tool")
            out += _text(call.get("call_id", ""), f"{cp}call_id", L.MAX_NAME)
            call_id = call.get("call_id", "")
            if call_id and call_id in call_ids:
                out.append(violation(f"{cp}call_id", f"{call_id!r} is used twice in the turn",
                                     "DUPLICATE"))
            call_ids.add(call_id)
    return out


def _expect(expect: Json, p: str) -> list[FieldViolation]:
    out = _id(expect["agent_id"], f"{p}agent_id", "agent id") if expect.get("agent_id") else []
    index = expect.get("handoff_rule_index", 0)
    if expect.get("check_handoff") and not -1 <= index < L.MAX_LIST:
        out.append(violation(f"{p}handoff_rule_index", "must be -1 (no hand-off) or the "
                             "index of one of the squad's rules", "OUT_OF_RANGE"))
    prompts = expect.get("conditional_prompt_ids", [])
    out += _count(prompts, f"{p}conditional_prompt_ids", L.MAX_LIST)
    for i, prompt in enumerate(prompts):
        out += _id(prompt, f"{p}conditional_prompt_ids[{i}]", "conditional prompt id")
    calls = expect.get("tool_calls", [])
    out += _count(calls, f"{p}tool_calls", L.MAX_TOOL_CALLS)
    for i, call in enumerate(calls):
        out += _tool(call.get("tool", ""), f"{p}tool_calls[{i}].tool")
        if not isinstance(call.get("arguments_subset", {}), dict):
            out.append(violation(f"{p}tool_calls[{i}].arguments_subset", "must be an object",
                                 "NOT_AN_OBJECT"))
    out += _texts(expect.get("reply_contains", []), f"{p}reply_contains")
    out += _texts(expect.get("reply_not_contains", []), f"{p}reply_not_contains")
    out += _regex(expect.get("reply_regex", ""), f"{p}reply_regex")
    return out + _text(expect.get("judge_criterion", ""), f"{p}judge_criterion",
                       L.MAX_EXPECTATION_TEXT)


def _turn(turn: Json, p: str, scripted: bool) -> list[FieldViolation]:
    out = _text(turn.get("user_message", ""), f"{p}user_message", L.MAX_TEST_MESSAGE,
                required=True)
    out += _context(turn.get("context", {}), f"{p}context.")
    if scripted and not turn.get("script", {}).get("moves"):
        out.append(violation(f"{p}script.moves", "is required: with the scripted responder "
                             "the case says what the model does in each turn", "REQUIRED"))
    out += _script(turn.get("script", {}), f"{p}script.")
    return out + _expect(turn.get("expect", {}), f"{p}expect.")


def _mocks(mocks: tuple[Json, ...], p: str) -> list[FieldViolation]:
    out = _count(list(mocks), f"{p}mocks", L.MAX_LIST)
    seen: set[str] = set()
    for i, mock in enumerate(mocks):
        tool = mock.get("tool", "")
        out += _tool(tool, f"{p}mocks[{i}].tool")
        if "result" not in mock and "error" not in mock:
            out.append(violation(f"{p}mocks[{i}]", "set result or error", "REQUIRED"))
        out += _text(mock.get("error", ""), f"{p}mocks[{i}].error", L.MAX_DESCRIPTION)
        if tool in seen:
            out.append(violation(f"{p}mocks[{i}].tool", f"{tool!r} has a mock already",
                                 "DUPLICATE"))
        seen.add(tool)
    return out


def check_case(body: CaseBody, p: str = "test_case.") -> list[FieldViolation]:
    """Every problem of the case on its own, with its path under ``p``."""
    out = _id(body.test_case_id, f"{p}test_case_id", "test case id")
    out += _text(body.display_name, f"{p}display_name", L.MAX_DISPLAY_NAME)
    if body.target_kind not in TARGET_KINDS:
        out.append(violation(f"{p}target_kind", "must be ENTITY_KIND_AGENT or "
                             "ENTITY_KIND_SQUAD", "BAD_TARGET"))
    out += _id(body.target_id, f"{p}target_id", "agent or squad id")
    if body.responder not in RESPONDERS:
        out.append(violation(f"{p}responder", "must be RESPONDER_KIND_SCRIPTED or "
                             "RESPONDER_KIND_CONFIGURED", "BAD_ENUM"))
    if not body.turns:
        out.append(violation(f"{p}turns", "needs at least one turn", "REQUIRED"))
    out += _count(list(body.turns), f"{p}turns", L.MAX_TEST_TURNS)
    for i, turn in enumerate(body.turns[:L.MAX_TEST_TURNS]):
        out += _turn(turn, f"{p}turns[{i}].", body.responder == "scripted")
    out += _mocks(body.mocks, p)
    size = len(canonical_json(body.as_json()).encode())
    if size > L.MAX_TEST_CASE_BYTES:
        out.append(violation(p.rstrip("."), f"is {size} bytes of JSON; the limit is "
                             f"{L.MAX_TEST_CASE_BYTES}", "TOO_LARGE"))
    return out

