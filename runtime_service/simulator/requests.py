"""Checks of what a chat turn brings for the simulator: its mocks and its script. Each
refusal names the field. Counts and sizes past a limit are RESOURCE_EXHAUSTED, malformed
or missing values INVALID_ARGUMENT; a mock for a tool the target cannot use is refused
(it could never answer anything, so it is a mistake in the request)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agentconfig.errors import FieldViolation, ResourceExhausted, invalid
from agentconfig.resolution.snapshot import ServingSnapshot
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.loop import MAX_CALLS_PER_MOVE, MAX_STEPS

MAX_MOCKS = 100
MAX_VALUE_BYTES = 64 * 1024  # one mock result, or one call's arguments
MAX_MOCKS_BYTES = 1024 * 1024
MAX_TEXT = 8_000  # a scripted reply, a mock's error
MAX_NAME = 200  # a tool key, a call id


def too_much(field: str, description: str, reason: str) -> ResourceExhausted:
    return ResourceExhausted(f"{field}: {description}", reason=reason,
                             violations=[FieldViolation(field, description, reason)])


def _text(value: str, field: str, limit: int, required: bool = False) -> None:
    if required and not value:
        raise invalid(field, "is required", "REQUIRED")
    if len(value) > limit:
        raise invalid(field, f"is longer than {limit} characters", "TOO_LONG")


def check_mocks(mocks: Sequence[rpb.ToolMock]) -> None:
    if len(mocks) > MAX_MOCKS:
        raise too_much("mocks", f"at most {MAX_MOCKS} mocks", "TOO_MANY")
    seen: dict[str, int] = {}
    total = 0
    for i, mock in enumerate(mocks):
        _text(mock.tool, f"mocks[{i}].tool", MAX_NAME, required=True)
        if mock.tool in seen:
            raise invalid(f"mocks[{i}].tool", f"mocks[{seen[mock.tool]}] already mocks "
                          f"{mock.tool!r}", "DUPLICATE")
        seen[mock.tool] = i
        outcome = mock.WhichOneof("outcome")
        if outcome is None:
            raise invalid(f"mocks[{i}]", "needs a result or an error", "REQUIRED")
        if outcome == "error":
            _text(mock.error, f"mocks[{i}].error", MAX_TEXT)
        size = mock.ByteSize()
        if outcome == "result" and mock.result.ByteSize() > MAX_VALUE_BYTES:
            raise too_much(f"mocks[{i}].result", f"larger than {MAX_VALUE_BYTES} bytes",
                           "TOO_LARGE")
        total += size
    if total > MAX_MOCKS_BYTES:
        raise too_much("mocks", f"larger than {MAX_MOCKS_BYTES} bytes together", "TOO_LARGE")


def check_script(responder: int, script: rpb.ScriptedTurn | None) -> None:
    if responder not in rpb.ResponderKind.values():
        raise invalid("responder", "is not a ResponderKind", "BAD_ENUM")
    if responder != rpb.RESPONDER_KIND_SCRIPTED:
        return  # a script is only read by the scripted responder
    moves = list(script.moves) if script is not None else []
    if not moves:
        raise invalid("script.moves", "RESPONDER_KIND_SCRIPTED needs at least one move",
                      "REQUIRED")
    if len(moves) > MAX_STEPS:
        raise too_much("script.moves", f"at most {MAX_STEPS} moves per turn", "TOO_MANY")
    ids: set[str] = set()
    for i, move in enumerate(moves):
        _text(move.reply, f"script.moves[{i}].reply", MAX_TEXT)
        if len(move.tool_calls) > MAX_CALLS_PER_MOVE:
            raise too_much(f"script.moves[{i}].tool_calls",
                           f"at most {MAX_CALLS_PER_MOVE} calls per move", "TOO_MANY")
        for j, call in enumerate(move.tool_calls):
            field = f"script.moves[{i}].tool_calls[{j}]"
            _text(call.tool, f"{field}.tool", MAX_NAME, required=True)
            _text(call.call_id, f"{field}.call_id", MAX_NAME)
            if call.call_id and call.call_id in ids:
                raise invalid(f"{field}.call_id", "is used twice in this turn", "DUPLICATE")
            ids.add(call.call_id)
            if call.arguments.ByteSize() > MAX_VALUE_BYTES:
                raise too_much(f"{field}.arguments", f"larger than {MAX_VALUE_BYTES} bytes",
                               "TOO_LARGE")


def usable_tools(snapshot: ServingSnapshot, kind: str, target_id: str,
                 ) -> tuple[frozenset[str], Mapping[str, frozenset[str]]]:
    """The tool ids, and the MCP servers (with their allowed tools), of an agent or of
    every member of a squad."""
    if kind == "agent":
        ids = [target_id]
    else:
        squad = snapshot.squads.get(target_id)
        ids = sorted(squad.members) if squad is not None else []
    agents = [snapshot.agents[i].static for i in ids if i in snapshot.agents]
    tools = frozenset(e.id for a in agents for e in a.tools)
    servers = {e.id: frozenset(e.mcp_server.allowed_tools) for a in agents
               for e in a.mcp_servers}
    return tools, servers


def check_mock_targets(mocks: Sequence[rpb.ToolMock], kind: str, target_id: str,
                       tools: frozenset[str], servers: Mapping[str, frozenset[str]]) -> None:
    for i, mock in enumerate(mocks):
        server, slash, name = mock.tool.partition("/")
        if slash:
            allowed = servers.get(server)
            usable = allowed is not None and bool(name) and (not allowed or name in allowed)
        else:
            usable = mock.tool in tools
        if not usable:
            raise invalid(f"mocks[{i}].tool", f"{kind} {target_id!r} cannot use "
                          f"{mock.tool!r} (a tool id, or <mcp_server_id>/<tool name>)",
                          "NOT_USABLE")
