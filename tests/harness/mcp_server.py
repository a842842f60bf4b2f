"""A local MCP server built with the official MCP Python SDK (``MCPServer``, formerly
FastMCP), served by uvicorn on a free loopback port, over streamable HTTP (``/mcp``) or SSE
(``/sse``), inside the test's own event loop."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer

CALLS: list[tuple[str, dict[str, Any]]] = []


def files_server() -> MCPServer:
    server: MCPServer = MCPServer("files", log_level="WARNING")

    @server.tool()
    def read_file(path: str) -> str:
        """Reads a file of the shop's shared drive."""
        CALLS.append(("read_file", {"path": path}))
        return f"contents of {path}"

    @server.tool()
    def delete_file(path: str) -> str:
        """Deletes a file (never offered: not in the server's allowed_tools)."""
        CALLS.append(("delete_file", {"path": path}))
        return "deleted"

    return server


@asynccontextmanager
async def serving(app: Any) -> AsyncIterator[str]:
    """Serves an ASGI app on 127.0.0.1 (a port the OS picks); yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on",
                                           timeout_graceful_shutdown=1))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@asynccontextmanager
async def mcp_files(transport: str = "streamable-http") -> AsyncIterator[str]:
    """The files server; yields the URL a McpServer entity names."""
    server = files_server()
    if transport == "sse":
        async with serving(server.sse_app()) as base:
            yield f"{base}/sse"
    else:
        async with serving(server.streamable_http_app()) as base:
            yield f"{base}/mcp"
