"""The checks of a test case, each problem a field violation whose path names the turn and
the field (``test_case.turns[2].expect.reply_regex``). These need nothing but the case;
testcase_refs.py checks what it names against the content it targets."""

from __future__ import annotations

from agentconfig.canonical import stable_json
from agentconfig.errors import FieldViolation
from config_service.domain import limits as L
from config_service.domain.field_checks import violation
from config_service.domain.testcase_fields import count, ident, regex, text, texts, tool_ref
from config_service.domain.testcases import RESPONDERS, TARGET_KINDS, CaseBody, Json


def _context(context: Json, p: str) -> list[FieldViolation]:
    out = count(context.get("tags", []), f"{p}tags", L.MAX_LIST)
    for i, tag in enumerate(context.get("tags", [])):
        out += text(tag, f"{p}tags[{i}]", L.MAX_NAME)
    for name in ("locale", "channel_type"):
        out += text(context.get(name, ""), f"{p}{name}", L.MAX_NAME)
    return out + text(context.get("message", ""), f"{p}message", L.MAX_TEST_MESSAGE)


def _script(script: Json, p: str) -> list[FieldViolation]:
    moves = script.get("moves", [])
    out = count(moves, f"{p}moves", L.MAX_SCRIPT_MOVES)
    call_ids: set[str] = set()
    for i, move in enumerate(moves):
        mp = f"{p}moves[{i}]."
        calls = move.get("tool_calls", [])
        if not move.get("reply") and not calls:
            out.append(violation(f"{p}moves[{i}]", "set reply or tool_calls", "REQUIRED"))
        out += text(move.get("reply", ""), f"{mp}reply", L.MAX_TEST_MESSAGE)
        out += count(calls, f"{mp}tool_calls", L.MAX_TOOL_CALLS)
        for j, call in enumerate(calls):
            cp = f"{mp}tool_calls[{j}]."
            out += tool_ref(call.get("tool", ""), f"{cp}tool")
            out += text(call.get("call_id", ""), f"{cp}call_id", L.MAX_NAME)
            call_id = call.get("call_id", "")
            if call_id and call_id in call_ids:
                out.append(violation(f"{cp}call_id", f"{call_id!r} is used twice in the turn",
                                     "DUPLICATE"))
            call_ids.add(call_id)
    return out


def _expect(expect: Json, p: str) -> list[FieldViolation]:
    out = ident(expect["agent_id"], f"{p}agent_id", "agent id") if expect.get("agent_id") else []
    index = expect.get("handoff_rule_index", 0)
    if expect.get("check_handoff") and not -1 <= index < L.MAX_LIST:
        out.append(violation(f"{p}handoff_rule_index", "must be -1 (no hand-off) or the "
                             "index of one of the squad's rules", "OUT_OF_RANGE"))
    prompts = expect.get("conditional_prompt_ids", [])
    out += count(prompts, f"{p}conditional_prompt_ids", L.MAX_LIST)
    for i, prompt in enumerate(prompts):
        out += ident(prompt, f"{p}conditional_prompt_ids[{i}]", "conditional prompt id")
    calls = expect.get("tool_calls", [])
    out += count(calls, f"{p}tool_calls", L.MAX_TOOL_CALLS)
    for i, call in enumerate(calls):
        out += tool_ref(call.get("tool", ""), f"{p}tool_calls[{i}].tool")
        if not isinstance(call.get("arguments_subset", {}), dict):
            out.append(violation(f"{p}tool_calls[{i}].arguments_subset", "must be an object",
                                 "NOT_AN_OBJECT"))
    out += texts(expect.get("reply_contains", []), f"{p}reply_contains")
    out += texts(expect.get("reply_not_contains", []), f"{p}reply_not_contains")
    out += regex(expect.get("reply_regex", ""), f"{p}reply_regex")
    return out + text(expect.get("judge_criterion", ""), f"{p}judge_criterion",
                       L.MAX_EXPECTATION_TEXT)


def _turn(turn: Json, p: str, scripted: bool) -> list[FieldViolation]:
    out = text(turn.get("user_message", ""), f"{p}user_message", L.MAX_TEST_MESSAGE,
                required=True)
    out += _context(turn.get("context", {}), f"{p}context.")
    if scripted and not turn.get("script", {}).get("moves"):
        out.append(violation(f"{p}script.moves", "is required: with the scripted responder "
                             "the case says what the model does in each turn", "REQUIRED"))
    out += _script(turn.get("script", {}), f"{p}script.")
    return out + _expect(turn.get("expect", {}), f"{p}expect.")


def _mocks(mocks: tuple[Json, ...], p: str) -> list[FieldViolation]:
    out = count(list(mocks), f"{p}mocks", L.MAX_LIST)
    seen: set[str] = set()
    for i, mock in enumerate(mocks):
        tool = mock.get("tool", "")
        out += tool_ref(tool, f"{p}mocks[{i}].tool")
        if "result" not in mock and "error" not in mock:
            out.append(violation(f"{p}mocks[{i}]", "set result or error", "REQUIRED"))
        out += text(mock.get("error", ""), f"{p}mocks[{i}].error", L.MAX_DESCRIPTION)
        if tool in seen:
            out.append(violation(f"{p}mocks[{i}].tool", f"{tool!r} has a mock already",
                                 "DUPLICATE"))
        seen.add(tool)
    return out


def check_case(body: CaseBody, p: str = "test_case.") -> list[FieldViolation]:
    """Every problem of the case on its own, with its path under ``p``."""
    out = ident(body.test_case_id, f"{p}test_case_id", "test case id")
    out += text(body.display_name, f"{p}display_name", L.MAX_DISPLAY_NAME)
    if body.target_kind not in TARGET_KINDS:
        out.append(violation(f"{p}target_kind", "must be ENTITY_KIND_AGENT or "
                             "ENTITY_KIND_SQUAD", "BAD_TARGET"))
    out += ident(body.target_id, f"{p}target_id", "agent or squad id")
    if body.responder not in RESPONDERS:
        out.append(violation(f"{p}responder", "must be RESPONDER_KIND_SCRIPTED or "
                             "RESPONDER_KIND_CONFIGURED", "BAD_ENUM"))
    if not body.turns:
        out.append(violation(f"{p}turns", "needs at least one turn", "REQUIRED"))
    out += count(list(body.turns), f"{p}turns", L.MAX_TEST_TURNS)
    for i, turn in enumerate(body.turns[:L.MAX_TEST_TURNS]):
        out += _turn(turn, f"{p}turns[{i}].", body.responder == "scripted")
    out += _mocks(body.mocks, p)
    size = len(stable_json(body.as_json()).encode())
    if size > L.MAX_TEST_CASE_BYTES:
        out.append(violation(p.rstrip("."), f"is {size} bytes of JSON; the limit is "
                             f"{L.MAX_TEST_CASE_BYTES}", "TOO_LARGE"))
    return out

