"""Checking one turn's answer against what the test case expects of it: pure functions of
the expectations, the reply and the trace, so the same answer always gets the same
verdict, and a reviewer sees for each expectation what was expected and what was observed.

The one expectation that is not pure, a criterion judged by a model, is decided by the
caller (test_runner) and recorded here with ``judged``."""

from __future__ import annotations

import json
import re
from typing import Any

from google.protobuf import json_format

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb

SHOWN = 300  # characters of a reply or of arguments shown as "observed"
NOT_JUDGED = "not judged: no model configured (the runtime's responder is deterministic)"


def _short(text: str) -> str:
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


def _result(name: str, passed: bool, expected: str, observed: str) -> tpb.ExpectationResult:
    return tpb.ExpectationResult(expectation=name, passed=passed, expected=expected,
                                 observed=_short(observed))


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def contains(actual: Any, subset: Any) -> bool:
    """``actual`` holds at least ``subset``: objects key by key (recursively), anything else
    equal (lists as a whole; 1 and 1.0 alike)."""
    if isinstance(subset, dict):
        return isinstance(actual, dict) and all(
            k in actual and contains(actual[k], v) for k, v in subset.items())
    return bool(actual == subset)


def _call(invocation: rpb.ToolInvocation) -> tuple[str, dict[str, Any]]:
    return invocation.call.tool, json_format.MessageToDict(invocation.call.arguments)


def _tool_call(i: int, want: tpb.ToolCallExpectation, made: list[tuple[str, dict[str, Any]]],
               ) -> tpb.ExpectationResult:
    subset = json_format.MessageToDict(want.arguments_subset)
    expected = f"{want.tool}({_json(subset)})" if subset else f"{want.tool}(...)"
    same_tool = [args for tool, args in made if tool == want.tool]
    passed = any(contains(args, subset) for args in same_tool)
    if same_tool:
        observed = "; ".join(f"{want.tool}({_json(a)})" for a in same_tool)
    else:
        observed = "no call to it" + (f" (calls: {', '.join(t for t, _ in made)})"
                                      if made else " (no tool calls)")
    return _result(f"tool_calls[{i}]", passed, expected, observed)


def _reply_checks(expect: tpb.TurnExpectations, reply: str) -> list[tpb.ExpectationResult]:
    out = [_result(f"reply_contains[{i}]", text in reply, text, reply)
           for i, text in enumerate(expect.reply_contains)]
    out += [_result(f"reply_not_contains[{i}]", text not in reply, f"not {text!r}", reply)
            for i, text in enumerate(expect.reply_not_contains)]
    if expect.reply_regex:
        try:
            matched = re.search(expect.reply_regex, reply) is not None
        except re.error as exc:  # stored cases compile; this keeps a bad one a failure
            out.append(_result("reply_regex", False, expect.reply_regex, f"bad regex: {exc}"))
        else:
            out.append(_result("reply_regex", matched, expect.reply_regex, reply))
    return out


def check_turn(expect: tpb.TurnExpectations, answer: rpb.ChatResponse,
               ) -> list[tpb.ExpectationResult]:
    """Every deterministic expectation of the turn, in the order of the proto's fields.
    ``judge_criterion`` is left to ``judged``."""
    trace = answer.trace
    out = []
    if expect.agent_id:
        out.append(_result("agent_id", trace.answering_agent_id == expect.agent_id,
                           expect.agent_id, trace.answering_agent_id))
    if expect.check_handoff:
        fired = trace.squad.handoff_rule_index if trace.HasField("squad") else -1
        out.append(_result("handoff_rule_index", fired == expect.handoff_rule_index,
                           str(expect.handoff_rule_index), str(fired)))
    if expect.check_conditional_prompts:
        want, got = sorted(set(expect.conditional_prompt_ids)), \
            sorted(set(trace.matched_conditional_prompt_ids))
        out.append(_result("conditional_prompt_ids", want == got, ", ".join(want) or "(none)",
                           ", ".join(got) or "(none)"))
    made = [_call(c) for c in trace.tool_calls]
    out += [_tool_call(i, want, made) for i, want in enumerate(expect.tool_calls)]
    return out + _reply_checks(expect, answer.reply)


def judged(criterion: str, verdict: bool | None, reason: str) -> tpb.ExpectationResult:
    """``verdict`` None: no model could judge it, which is not a failure of the case."""
    if verdict is None:
        return _result("judge_criterion", True, criterion, reason or NOT_JUDGED)
    return _result("judge_criterion", verdict, criterion, reason)
