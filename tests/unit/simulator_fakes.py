"""Fakes of the simulator's ports (no patching): a responder that plays given moves and
remembers what it saw, a tool caller and an MCP client that answer from tables."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.simulator.ports import (
    CallResult,
    McpClient,
    McpTool,
    ModelCall,
    ModelRequest,
    Move,
    Responder,
    ToolCaller,
)


class FakeResponder(Responder):
    """Plays ``moves`` in order (then replies "done"); keeps every request it got."""

    def __init__(self, moves: Sequence[Move] = ()) -> None:
        self.moves = list(moves)
        self.seen: list[ModelRequest] = []

    async def move(self, request: ModelRequest) -> AsyncIterator[str | Move]:
        self.seen.append(request)
        yield self.moves.pop(0) if self.moves else Move(reply="done")


def call(tool: str, call_id: str = "", **arguments: Any) -> ModelCall:
    return ModelCall(call_id, tool, arguments)


class FakeCaller(ToolCaller):
    def __init__(self, answers: dict[str, CallResult] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def call(self, tool: pb.Tool, arguments: dict[str, Any]) -> CallResult:
        self.calls.append((tool.name, arguments))
        return self.answers.get(tool.name, CallResult(value={"ok": True}))


class FakeMcp(McpClient):
    """Servers by URL: their tools, or None for one that cannot be reached."""

    def __init__(self, servers: dict[str, list[McpTool] | None]) -> None:
        self.servers = servers
        self.listed: list[str] = []
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def list_tools(self, server: pb.McpServer) -> list[McpTool]:
        self.listed.append(server.url)
        tools = self.servers.get(server.url)
        if tools is None:
            raise Unavailable("ConnectError: refused")
        return tools

    async def call_tool(self, server: pb.McpServer, name: str,
                        arguments: dict[str, Any]) -> CallResult:
        self.calls.append((server.url, name, arguments))
        return CallResult(value=f"{name} ran")
