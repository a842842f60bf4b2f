"""What a turn offers: HTTP tools, MCP tools as listed (filtered by allowed_tools), and a
server that cannot be listed as a visible entry whose mocked tools are still offered."""

from __future__ import annotations

from agentconfig.resolution.resolve import resolve_target
from agentconfig.resolution.snapshot import build
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.egress import LOOPBACK, Egress
from runtime_service.simulator.offer import offer
from runtime_service.simulator.ports import McpTool
from tests.harness import builders as b
from tests.unit.simulator_fakes import FakeMcp
from tests.unit.test_runtime_resolve import snapshot

FILES, DOWN = "http://127.0.0.1:7001/mcp", "http://localhost:7002/sse"
SCHEMA = {"type": "object", "properties": {"path": {"type": "string"}}}


def agent() -> rpb.ResolvedAgent:
    serving = build(snapshot([
        b.tool("weather"),
        b.mcp_server("files", url=FILES, allowed_tools=["read_file"]),
        b.mcp_server("down", url=DOWN, transport="MCP_TRANSPORT_SSE"),
        b.mcp_server("far"),  # https://mcp.example.com: outside the egress list
        b.mcp_server("local", transport="MCP_TRANSPORT_STDIO", url="", command="files-mcp"),
        b.agent("support", tool_ids=["weather"], mcp_server_ids=["files", "down", "far",
                                                                 "local"])]))
    return resolve_target(serving, "agent", "support", {})[0]


async def test_tools_listed_filtered_and_failures_visible() -> None:
    mcp = FakeMcp({FILES: [McpTool("read_file", "Reads", SCHEMA), McpTool("delete_file")],
                   DOWN: None})
    found = await offer(agent(), mcp, Egress.parse(LOOPBACK),
                        ["down/search", "far/fetch", "files/delete_file", "weather"])
    assert [t.key for t in found.tools] == ["weather", "files/read_file", "down/search",
                                            "far/fetch"]
    assert found.mcp_tools == ("files/read_file", "down/search", "far/fetch")
    assert found.tools[1].input_schema == SCHEMA and found.tools[2].input_schema == {}
    assert mcp.listed == [FILES, DOWN]  # never a host outside the list, never stdio
    problems = {p.call.tool: p for p in found.problems}
    assert sorted(problems) == ["down", "far", "local"]
    assert all(p.outcome == rpb.TOOL_OUTCOME_ERROR and p.agent_id == "support"
               for p in found.problems)
    assert problems["down"].call.call_id == "mcp-list:down"
    assert "ConnectError" in problems["down"].error
    assert "mcp.example.com" in problems["far"].error
    assert "stdio" in problems["local"].error
