"""One tool call, decided in this order: is the tool offered to the agent, do the
arguments fit its input schema, is there a mock, may it be called for real (its id, or its
MCP server's id, in the workspace's live_tool_ids, and its host allowed), else no answer.
Every outcome is a ToolInvocation for the trace and the model; none is an exception."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.arguments import violations
from runtime_service.simulator.egress import Egress
from runtime_service.simulator.ports import (
    CallResult,
    McpClient,
    ModelCall,
    OfferedTool,
    ToolCaller,
)
from runtime_service.simulator.values import as_json, from_value, to_call, to_value

LiveIds = Callable[[], Awaitable[frozenset[str]]]


class Toolbox:
    def __init__(self, offered: Sequence[OfferedTool], mocks: Sequence[rpb.ToolMock],
                 live: LiveIds, caller: ToolCaller, mcp: McpClient, egress: Egress,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._offered: Mapping[str, OfferedTool] = {t.key: t for t in offered}
        self._mocks: Mapping[str, rpb.ToolMock] = {m.tool: m for m in mocks}
        self._live = live
        self._known_live: frozenset[str] | None = None
        self._caller, self._mcp, self._egress, self._clock = caller, mcp, egress, clock

    async def invoke(self, call: ModelCall, agent_id: str) -> rpb.ToolInvocation:
        started = self._clock()
        out = rpb.ToolInvocation(call=to_call(call), agent_id=agent_id)
        tool = self._offered.get(call.tool)
        if tool is None:
            out.outcome = rpb.TOOL_OUTCOME_NOT_OFFERED
            out.error = f"agent {agent_id!r} is not offered a tool {call.tool!r}"
        elif problems := violations(tool.input_schema, call.arguments):
            out.outcome = rpb.TOOL_OUTCOME_SCHEMA_VIOLATION
            out.error = "the arguments do not match the tool's input schema"
            out.violations.extend(problems)
        elif call.tool in self._mocks:
            _mocked(out, self._mocks[call.tool])
        elif await self._is_live(tool):
            await self._real(out, tool, call.arguments)
        else:
            out.outcome = rpb.TOOL_OUTCOME_NO_MOCK
            out.error = (f"no mock for {call.tool!r}, and real calls are not allowed for it "
                         "(the workspace's live_tool_ids)")
        out.duration_ms = max(0, round((self._clock() - started) * 1000))
        return out

    async def _is_live(self, tool: OfferedTool) -> bool:
        if self._known_live is None:  # read once per turn, and only when needed
            self._known_live = await self._live()
        return (tool.mcp_server_id or tool.key) in self._known_live

    async def _real(self, out: rpb.ToolInvocation, tool: OfferedTool,
                    arguments: dict[str, Any]) -> None:
        url = tool.mcp.url if tool.mcp is not None else tool.http.endpoint_url if tool.http \
            else ""
        refusal = self._egress.refusal(url)
        if refusal:
            result = CallResult(error=f"not called: {refusal}")
        elif tool.mcp is not None:
            result = await self._mcp.call_tool(tool.mcp, tool.name, arguments)
        else:
            assert tool.http is not None
            result = await self._caller.call(tool.http, arguments)
        if result.error:
            out.outcome, out.error = rpb.TOOL_OUTCOME_ERROR, result.error
        else:
            out.outcome = rpb.TOOL_OUTCOME_CALLED
            out.result.CopyFrom(to_value(result.value))


def _mocked(out: rpb.ToolInvocation, mock: rpb.ToolMock) -> None:
    if mock.WhichOneof("outcome") == "error":
        out.outcome, out.error = rpb.TOOL_OUTCOME_ERROR, mock.error
    else:
        out.outcome = rpb.TOOL_OUTCOME_MOCKED
        out.result.CopyFrom(mock.result)


def feedback(invocation: rpb.ToolInvocation) -> str:
    """What the model reads back for a call: the result, or the error (and violations)."""
    if invocation.outcome in (rpb.TOOL_OUTCOME_MOCKED, rpb.TOOL_OUTCOME_CALLED):
        return as_json(from_value(invocation.result))
    body: dict[str, object] = {"error": invocation.error}
    if invocation.violations:
        body["violations"] = list(invocation.violations)
    return as_json(body)
