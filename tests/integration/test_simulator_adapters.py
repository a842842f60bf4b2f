"""The simulator's network adapters against real local servers: the MCP client (official
SDK) against an MCP server built with the same SDK, over streamable HTTP and SSE; the HTTP
tool caller against a loopback endpoint. Failures come back as data or Unavailable."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from google.protobuf import json_format

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.simulator.adapters.http_tools import HttpToolCaller
from runtime_service.simulator.adapters.mcp_sdk import SdkMcpClient
from tests.harness.mcp_server import CALLS, mcp_files, serving

TRANSPORTS = [("streamable-http", pb.MCP_TRANSPORT_STREAMABLE_HTTP),
              ("sse", pb.MCP_TRANSPORT_SSE)]


@pytest.mark.parametrize(("name", "transport"), TRANSPORTS, ids=[t[0] for t in TRANSPORTS])
async def test_mcp_list_and_call(name: str, transport: int) -> None:
    client = SdkMcpClient(timeout=5)
    async with mcp_files(name) as url:
        server = pb.McpServer(url=url, transport=transport)  # type: ignore[arg-type]
        tools = {t.name: t for t in await client.list_tools(server)}
        assert sorted(tools) == ["delete_file", "read_file"]
        assert tools["read_file"].input_schema["required"] == ["path"]
        assert tools["read_file"].description.startswith("Reads a file")
        answer = await client.call_tool(server, "read_file", {"path": "a.txt"})
        assert answer.value == {"result": "contents of a.txt"} and not answer.error
        assert CALLS[-1] == ("read_file", {"path": "a.txt"})
        refused = await client.call_tool(server, "read_file", {"name": "a.txt"})
        assert refused.error and refused.value is None
        unknown = await client.call_tool(server, "nope", {})
        assert "nope" in unknown.error


async def _hang(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while (await receive())["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await asyncio.sleep(30)


async def test_mcp_servers_that_do_not_answer_are_unavailable_in_time() -> None:
    client = SdkMcpClient(timeout=1)
    refused = pb.McpServer(url="http://127.0.0.1:1/mcp",
                           transport=pb.MCP_TRANSPORT_STREAMABLE_HTTP)
    with pytest.raises(Unavailable):
        await client.list_tools(refused)
    assert (await client.call_tool(refused, "x", {})).error
    async with serving(_hang) as base:
        for transport in (pb.MCP_TRANSPORT_STREAMABLE_HTTP, pb.MCP_TRANSPORT_SSE):
            started = time.monotonic()
            with pytest.raises(Unavailable) as slow:
                await client.list_tools(pb.McpServer(url=f"{base}/mcp", transport=transport))
            assert time.monotonic() - started < 3 and "in time" in slow.value.message


class _Tool(BaseHTTPRequestHandler):
    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)  # fails when the caller gave up (the timeout case)

    def do_GET(self) -> None:
        if self.path.startswith("/slow"):
            time.sleep(1.5)
        if self.path.startswith("/big"):
            return self._answer(200, b"x" * 300_000)
        self._answer(200, json.dumps({"path": self.path}).encode())

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("fail"):
            return self._answer(503, b"try later")
        self._answer(200, json.dumps({"got": body}).encode())

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def tool_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tool)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _tool(url: str, method: str, timeout_ms: int = 0) -> pb.Tool:
    return json_format.ParseDict({"name": "t", "endpoint_url": url, "method": method,
                                  "timeout_ms": timeout_ms}, pb.Tool())


async def test_http_tool_calls(tool_server: str) -> None:
    caller = HttpToolCaller(default_timeout=5)
    got = await caller.call(_tool(f"{tool_server}/weather", "HTTP_METHOD_GET"),
                            {"city": "Lisbon", "days": 2, "metric": True})
    assert got.value == {"path": "/weather?city=Lisbon&days=2&metric=true"}
    posted = await caller.call(_tool(f"{tool_server}/orders", "HTTP_METHOD_POST"),
                               {"order": {"id": 7}})
    assert posted.value == {"got": {"order": {"id": 7}}}
    failed = await caller.call(_tool(tool_server, "HTTP_METHOD_POST"), {"fail": True})
    assert failed.error == "HTTP 503: try later"
    slow = await caller.call(_tool(f"{tool_server}/slow", "HTTP_METHOD_GET", 300), {})
    assert slow.error == "no answer within 0.3 s"
    big = await caller.call(_tool(f"{tool_server}/big", "HTTP_METHOD_GET"), {})
    assert "larger than" in big.error
    nobody = await caller.call(_tool("http://127.0.0.1:1/x", "HTTP_METHOD_GET"), {})
    assert nobody.error.startswith("ConnectError")
