"""What the simulator needs from outside, as small interfaces, and the plain data passed
through them. Adapters (simulator/adapters/) implement them; unit tests use fakes."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb


@dataclass(frozen=True)
class OfferedTool:
    """A tool the model may call in this turn. ``key`` is how calls, mocks, traces and
    live_tool_ids name it: a tool id, or "<mcp_server_id>/<tool name>"."""

    key: str
    name: str  # as the tool or MCP server names it
    description: str
    input_schema: dict[str, Any]
    http: pb.Tool | None = None  # an HTTP tool ...
    mcp_server_id: str = ""  # ... or an MCP server's tool
    mcp: pb.McpServer | None = None


@dataclass(frozen=True)
class ModelCall:
    """A call the model asks for. ``arguments`` is whatever the model sent (a JSON object
    when well-formed; anything else is a schema violation, never a crash)."""

    call_id: str
    tool: str
    arguments: Any


@dataclass(frozen=True)
class Move:
    """What the model does in one step: reply (the turn ends) or ask for tool calls."""

    reply: str = ""
    calls: tuple[ModelCall, ...] = ()


@dataclass(frozen=True)
class Message:
    """One entry of what the model sees: a user message, an assistant move, or a tool
    result (``content`` is then JSON text)."""

    role: str  # user | assistant | tool
    content: str
    calls: tuple[ModelCall, ...] = ()  # assistant moves that asked for tools
    call_id: str = ""  # tool results: the call they answer
    tool: str = ""


@dataclass(frozen=True)
class ModelRequest:
    agent: rpb.ResolvedAgent
    messages: tuple[Message, ...]  # bounded history, then this turn so far
    tools: tuple[OfferedTool, ...]
    context: rpb.ConversationContext
    step: int  # 0 for the turn's first move


class Responder(abc.ABC):
    """Plays the model. ``move`` yields the reply's text in pieces as it is produced (only
    for a move that replies: a move asking for tools yields none), then the Move itself,
    last. Raises agentconfig.errors.Unavailable when a model endpoint cannot answer."""

    @abc.abstractmethod
    def move(self, request: ModelRequest) -> AsyncIterator[str | Move]: ...


@dataclass(frozen=True)
class CallResult:
    """What a real tool answered: a JSON value, or an error message."""

    value: Any = None
    error: str = ""


@dataclass(frozen=True)
class McpTool:
    name: str
    description: str = ""
    input_schema: dict[str, Any] = field(default_factory=dict)


class ToolCaller(abc.ABC):
    """Calls a tool's HTTP endpoint. Failures of the tool (timeouts, refused connections,
    error statuses) come back as CallResult.error, never raised."""

    @abc.abstractmethod
    async def call(self, tool: pb.Tool, arguments: dict[str, Any]) -> CallResult: ...


class McpClient(abc.ABC):
    """Talks to an MCP server (streamable HTTP or SSE). ``list_tools`` raises
    agentconfig.errors.Unavailable when the server cannot be listed in time; ``call_tool``
    answers failures as CallResult.error."""

    @abc.abstractmethod
    async def list_tools(self, server: pb.McpServer) -> list[McpTool]: ...
    @abc.abstractmethod
    async def call_tool(self, server: pb.McpServer, name: str,
                        arguments: dict[str, Any]) -> CallResult: ...


class NoNetwork(ToolCaller, McpClient):
    """Reaches nothing: real calls answer an error and listings are Unavailable. For a
    runtime (or a test) wired without network adapters."""

    async def call(self, tool: pb.Tool, arguments: dict[str, Any]) -> CallResult:
        return CallResult(error="this runtime makes no real tool calls")

    async def list_tools(self, server: pb.McpServer) -> list[McpTool]:
        raise Unavailable("this runtime contacts no MCP server")

    async def call_tool(self, server: pb.McpServer, name: str,
                        arguments: dict[str, Any]) -> CallResult:
        return CallResult(error="this runtime contacts no MCP server")
