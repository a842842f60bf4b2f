"""The tools a turn offers the model: the agent's HTTP tools, and the tools its MCP
servers list (filtered by each server's allowed_tools), named "<mcp_server_id>/<tool>".

Listing always contacts the server (with the client's timeout), so a turn sees what the
server offers now. A server that cannot be listed (unreachable, too slow, a host outside
the egress list, a stdio server, which the simulator never starts) does not fail the turn:
it shows in the trace as an ERROR invocation whose call names the server alone
(call_id "mcp-list:<id>", tool "<id>"), and the tools the request mocks for it are still
offered, with no schema to check, so tests with mocks run without the server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf import json_format

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.egress import Egress
from runtime_service.simulator.ports import McpClient, OfferedTool

LIST_PREFIX = "mcp-list:"


@dataclass(frozen=True)
class Offer:
    tools: tuple[OfferedTool, ...]
    mcp_tools: tuple[str, ...]  # the keys of the MCP tools among them
    problems: tuple[rpb.ToolInvocation, ...]  # MCP servers that could not be listed


def http_tools(agent: rpb.ResolvedAgent) -> list[OfferedTool]:
    return [OfferedTool(e.id, e.tool.name, e.tool.description,
                        json_format.MessageToDict(e.tool.input_schema), http=e.tool)
            for e in agent.tools]


async def offer(agent: rpb.ResolvedAgent, mcp: McpClient, egress: Egress,
                mocked: Iterable[str] = ()) -> Offer:
    mocked = tuple(mocked)
    listed = await asyncio.gather(*(_server(agent.agent_id, e, mcp, egress, mocked)
                                    for e in agent.mcp_servers))
    mcp_tools = [t for tools, _ in listed for t in tools]
    return Offer(tuple(http_tools(agent) + mcp_tools), tuple(t.key for t in mcp_tools),
                 tuple(p for _, p in listed if p is not None))


async def _server(agent_id: str, entity: pb.Entity, mcp: McpClient, egress: Egress,
                  mocked: tuple[str, ...],
                  ) -> tuple[list[OfferedTool], rpb.ToolInvocation | None]:
    server = entity.mcp_server
    allowed = set(server.allowed_tools)

    def tool(name: str, description: str = "", schema: dict[str, object] | None = None,
             ) -> OfferedTool:
        return OfferedTool(f"{entity.id}/{name}", name, description, dict(schema or {}),
                           mcp_server_id=entity.id, mcp=server)

    problem = _cannot_list(server, egress)
    if not problem:
        try:
            found = await mcp.list_tools(server)
            return [tool(t.name, t.description, t.input_schema) for t in found
                    if not allowed or t.name in allowed], None
        except Unavailable as exc:
            problem = exc.message
    prefix = f"{entity.id}/"
    names = sorted({k[len(prefix):] for k in mocked if k.startswith(prefix)})
    failed = rpb.ToolInvocation(
        call=rpb.ToolCall(call_id=f"{LIST_PREFIX}{entity.id}", tool=entity.id),
        outcome=rpb.TOOL_OUTCOME_ERROR, agent_id=agent_id,
        error=f"MCP server {entity.id!r} not listed: {problem}")
    return [tool(n) for n in names if n and (not allowed or n in allowed)], failed


def _cannot_list(server: pb.McpServer, egress: Egress) -> str:
    if server.transport == pb.MCP_TRANSPORT_STDIO:
        return "the simulator does not start stdio servers; mock their tools"
    if server.transport not in (pb.MCP_TRANSPORT_SSE, pb.MCP_TRANSPORT_STREAMABLE_HTTP):
        return "no transport the simulator speaks (streamable HTTP or SSE)"
    return egress.refusal(server.url)
