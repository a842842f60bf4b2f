"""A turn's mocks and script are checked before anything runs; each refusal names the
field."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentconfig.errors import AgentConfigError, InvalidArgument, ResourceExhausted
from agentconfig.resolution.snapshot import build
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.requests import (
    check_mock_targets,
    check_mocks,
    check_script,
    usable_tools,
)
from tests.harness import builders as b
from tests.unit.test_runtime_resolve import snapshot

SCRIPTED = rpb.RESPONDER_KIND_SCRIPTED


def mock(tool: str, result: str | None = "ok") -> rpb.ToolMock:
    out = rpb.ToolMock(tool=tool)
    if result is not None:
        out.result.string_value = result
    return out


def move(*tools: str, reply: str = "") -> rpb.ModelMove:
    return rpb.ModelMove(reply=reply, tool_calls=[rpb.ToolCall(tool=t) for t in tools])


CASES: list[tuple[str, Callable[[], None], type[AgentConfigError], str]] = [
    ("mock without tool", lambda: check_mocks([mock("")]), InvalidArgument, "mocks[0].tool"),
    ("mock twice", lambda: check_mocks([mock("a"), mock("a")]), InvalidArgument,
     "mocks[1].tool"),
    ("mock without outcome", lambda: check_mocks([mock("a", None)]), InvalidArgument,
     "mocks[0]"),
    ("too many mocks", lambda: check_mocks([mock(f"t{i}") for i in range(101)]),
     ResourceExhausted, "mocks"),
    ("oversize mock", lambda: check_mocks([mock("a", "x" * 70_000)]), ResourceExhausted,
     "mocks[0].result"),
    ("no moves", lambda: check_script(SCRIPTED, rpb.ScriptedTurn()), InvalidArgument,
     "script.moves"),
    ("no script", lambda: check_script(SCRIPTED, None), InvalidArgument, "script.moves"),
    ("too many moves", lambda: check_script(SCRIPTED, rpb.ScriptedTurn(
        moves=[move(reply="x")] * 9)), ResourceExhausted, "script.moves"),
    ("too many calls", lambda: check_script(SCRIPTED, rpb.ScriptedTurn(
        moves=[move(*["a"] * 17)])), ResourceExhausted, "script.moves[0].tool_calls"),
    ("call without tool", lambda: check_script(SCRIPTED, rpb.ScriptedTurn(
        moves=[move("a"), move("")])), InvalidArgument, "script.moves[1].tool_calls[0].tool"),
    ("call id twice", lambda: check_script(SCRIPTED, rpb.ScriptedTurn(moves=[rpb.ModelMove(
        tool_calls=[rpb.ToolCall(call_id="c", tool="a"), rpb.ToolCall(call_id="c", tool="b")])])),
     InvalidArgument, "script.moves[0].tool_calls[1].call_id"),
    ("unknown responder", lambda: check_script(7, None), InvalidArgument, "responder"),
]


@pytest.mark.parametrize(("name", "check", "error", "field"), CASES, ids=[c[0] for c in CASES])
def test_refused(name: str, check: Callable[[], None], error: type[AgentConfigError],
                 field: str) -> None:
    with pytest.raises(error) as refused:
        check()
    assert [v.field for v in refused.value.violations] == [field]


def test_accepted() -> None:
    check_mocks([mock("weather"), rpb.ToolMock(tool="files/read_file", error="boom")])
    check_script(SCRIPTED, rpb.ScriptedTurn(moves=[move("weather"), move(reply="ok")]))
    check_script(rpb.RESPONDER_KIND_CONFIGURED, None)  # a script is only for SCRIPTED


def test_a_mock_must_name_a_tool_the_target_can_use() -> None:
    serving = build(snapshot([
        b.tool("weather"), b.tool("refund"),
        b.mcp_server("files", url="http://127.0.0.1:1/mcp", allowed_tools=["read_file"]),
        b.agent("support", tool_ids=["weather"], mcp_server_ids=["files"]),
        b.agent("billing", tool_ids=["refund"]),
        b.squad("desk", ("support", "billing"))]))
    usable = usable_tools(serving, "squad", "desk")
    check_mock_targets([mock("weather"), mock("refund"), mock("files/read_file")], "squad",
                       "desk", *usable)
    for bad in ("files/delete_file", "files/", "ghost", "ghost/x"):
        with pytest.raises(InvalidArgument) as refused:
            check_mock_targets([mock("weather"), mock(bad)], "squad", "desk", *usable)
        assert refused.value.violations[0].field == "mocks[1].tool"
    with pytest.raises(InvalidArgument):
        check_mock_targets([mock("refund")], "agent", "support",
                           *usable_tools(serving, "agent", "support"))
