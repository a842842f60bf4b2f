"""MCP servers through the official MCP Python SDK (``mcp``), over streamable HTTP or SSE.

Each listing and each call opens its own session and closes it, all within ``timeout``
seconds: a turn's MCP traffic is a few requests, and no connection outlives the turn (a
server that keeps per-session state sees each call as a new client). The SDK's response
cache is off, so every listing asks the server. Whatever fails (refused, too slow, not an
MCP server) is translated here, in one place: listing raises Unavailable, a call answers
CallResult.error."""

from __future__ import annotations

import asyncio
from typing import Any

from mcp.client import Client, Transport
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult, TextContent

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.simulator.ports import CallResult, McpClient, McpTool

MAX_PAGES = 20
MAX_TEXT = 256 * 1024


def describe(exc: BaseException) -> str:
    """The innermost cause, readable: the SDK reports failures as exception groups."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    return f"{type(exc).__name__}: {exc}"[:500]


def result_of(result: CallToolResult) -> CallResult:
    """Structured content when the tool gives it, else its text."""
    text = "\n".join(b.text if isinstance(b, TextContent) else f"[{b.type} content]"
                     for b in result.content)[:MAX_TEXT]
    if result.is_error:
        return CallResult(error=text or "the tool answered an error")
    return CallResult(value=result.structured_content
                      if result.structured_content is not None else text)


class SdkMcpClient(McpClient):
    def __init__(self, timeout: float = 5.0) -> None:
        self._timeout = timeout

    def _client(self, server: pb.McpServer) -> Client:
        transport: Transport
        if server.transport == pb.MCP_TRANSPORT_SSE:
            transport = sse_client(server.url, timeout=self._timeout,
                                   sse_read_timeout=self._timeout)
        else:
            transport = streamable_http_client(server.url)
        return Client(transport, cache=None, read_timeout_seconds=self._timeout)

    async def list_tools(self, server: pb.McpServer) -> list[McpTool]:
        found: list[McpTool] = []
        try:
            async with asyncio.timeout(self._timeout), self._client(server) as client:
                cursor: str | None = None
                for _ in range(MAX_PAGES):
                    page = await client.list_tools(cursor=cursor)
                    found += [McpTool(t.name, t.description or "", dict(t.input_schema))
                              for t in page.tools]
                    cursor = page.next_cursor
                    if not cursor:
                        break
        except Exception as exc:  # every failure of a server we do not control
            raise Unavailable(describe(exc), reason="MCP_UNAVAILABLE") from None
        return found

    async def call_tool(self, server: pb.McpServer, name: str,
                        arguments: dict[str, Any]) -> CallResult:
        try:
            async with asyncio.timeout(self._timeout), self._client(server) as client:
                return result_of(await client.call_tool(name, arguments))
        except Exception as exc:
            return CallResult(error=describe(exc))
