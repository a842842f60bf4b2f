"""Bad input to every RuntimeService RPC, as a table: each row's status code and, for
INVALID_ARGUMENT, the field; never UNKNOWN or INTERNAL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
WS = "rt-bad-input"
EMPTY = "rt-bad-input-empty"
AGENT, SQUAD = pb.ENTITY_KIND_AGENT, pb.ENTITY_KIND_SQUAD
SCRIPTED = rpb.RESPONDER_KIND_SCRIPTED
Code = grpc.StatusCode


@dataclass(frozen=True)
class Row:
    name: str
    method: str
    request: Callable[[], Any]
    code: grpc.StatusCode
    field: str = ""


def chat(**kw: Any) -> Callable[[], rpb.ChatRequest]:
    base: dict[str, Any] = {"workspace_id": WS, "target_kind": AGENT, "target_id": "support",
                            "source": rpb.CHAT_SOURCE_DRAFT, "message": "hi"}
    return lambda: rpb.ChatRequest(**(base | kw))


def event(**kw: Any) -> rpb.OutcomeEvent:
    base: dict[str, Any] = {"conversation_id": "c-1", "version": 1,
                            "outcome": rpb.TURN_OUTCOME_OK, "latency_ms": 120}
    return rpb.OutcomeEvent(**(base | kw))


def stream(**kw: Any) -> Callable[[], rpb.StreamChatRequest]:
    return lambda: rpb.StreamChatRequest(chat=chat(**kw)())


def mock(tool: str, result: str = "ok") -> rpb.ToolMock:
    out = rpb.ToolMock(tool=tool)
    out.result.string_value = result
    return out


def resolve(**kw: Any) -> Callable[[], rpb.ResolveChannelRequest]:
    return lambda: rpb.ResolveChannelRequest(**({"workspace_id": WS, "channel_id": "wa"} | kw))


ROWS = [
    Row("no workspace", "ResolveChannel", resolve(workspace_id=""), Code.INVALID_ARGUMENT,
        "workspace_id"),
    Row("no channel", "ResolveChannel", resolve(channel_id=""), Code.INVALID_ARGUMENT,
        "channel_id"),
    Row("unknown channel", "ResolveChannel", resolve(channel_id="nope"), Code.NOT_FOUND),
    Row("unknown workspace", "ResolveChannel", resolve(workspace_id="ws-none"), Code.NOT_FOUND),
    Row("nothing published", "ResolveChannel", resolve(workspace_id=EMPTY),
        Code.FAILED_PRECONDITION),
    Row("conversation id too long", "ResolveChannel", resolve(conversation_id="c" * 101),
        Code.INVALID_ARGUMENT, "conversation_id"),
    Row("conversation id not printable", "ResolveChannel", resolve(conversation_id="a\x00b"),
        Code.INVALID_ARGUMENT, "conversation_id"),
    Row("no agent id", "ResolveAgent", lambda: rpb.ResolveAgentRequest(workspace_id=WS),
        Code.INVALID_ARGUMENT, "agent_id"),
    Row("unknown agent", "ResolveAgent",
        lambda: rpb.ResolveAgentRequest(workspace_id=WS, agent_id="ghost"), Code.NOT_FOUND),
    Row("snapshot of unknown workspace", "GetProductionSnapshot",
        lambda: rpb.GetProductionSnapshotRequest(workspace_id="ws-none"), Code.NOT_FOUND),
    Row("snapshot without workspace", "GetProductionSnapshot",
        lambda: rpb.GetProductionSnapshotRequest(), Code.INVALID_ARGUMENT, "workspace_id"),
    Row("chat without source", "Chat", chat(source=rpb.CHAT_SOURCE_UNSPECIFIED),
        Code.INVALID_ARGUMENT, "source"),
    Row("chat with unknown source", "Chat", chat(source=9), Code.INVALID_ARGUMENT, "source"),
    Row("chat without target kind", "Chat", chat(target_kind=pb.ENTITY_KIND_UNSPECIFIED),
        Code.INVALID_ARGUMENT, "target_kind"),
    Row("chat with a tool as target", "Chat", chat(target_kind=pb.ENTITY_KIND_TOOL),
        Code.INVALID_ARGUMENT, "target_kind"),
    Row("chat with unknown kind", "Chat", chat(target_kind=99), Code.INVALID_ARGUMENT,
        "target_kind"),
    Row("chat without target", "Chat", chat(target_id=""), Code.INVALID_ARGUMENT, "target_id"),
    Row("chat with version 0", "Chat", chat(source=rpb.CHAT_SOURCE_VERSION),
        Code.INVALID_ARGUMENT, "version"),
    Row("chat with unknown version", "Chat", chat(source=rpb.CHAT_SOURCE_VERSION, version=99),
        Code.NOT_FOUND),
    Row("chat without message", "Chat", chat(message="  "), Code.INVALID_ARGUMENT, "message"),
    Row("chat message too long", "Chat", chat(message="x" * 8001), Code.RESOURCE_EXHAUSTED),
    Row("chat with unknown agent", "Chat", chat(target_id="ghost"), Code.NOT_FOUND),
    Row("chat with unknown squad", "Chat", chat(target_kind=SQUAD, target_id="ghost"),
        Code.NOT_FOUND),
    Row("chat in unknown workspace", "Chat", chat(workspace_id="ws-none"), Code.NOT_FOUND),
    # the simulator (issue 9); arguments that are not an object cannot be sent (a Struct):
    # the OpenAI-compatible responder reports them as a schema violation instead
    Row("chat mock for a tool the agent cannot use", "Chat",
        chat(mocks=[mock("files/read_file")]), Code.INVALID_ARGUMENT, "mocks[0].tool"),
    Row("chat mock for an unknown tool", "Chat", chat(mocks=[mock("weather"), mock("ghost")]),
        Code.INVALID_ARGUMENT, "mocks[1].tool"),
    Row("chat mock without outcome", "Chat", chat(mocks=[rpb.ToolMock(tool="weather")]),
        Code.INVALID_ARGUMENT, "mocks[0]"),
    Row("chat mock too large", "Chat", chat(mocks=[mock("weather", "x" * 70_000)]),
        Code.RESOURCE_EXHAUSTED, "mocks[0].result"),
    Row("chat too many mocks", "Chat", chat(mocks=[mock(f"t{i}") for i in range(101)]),
        Code.RESOURCE_EXHAUSTED, "mocks"),
    Row("chat unknown responder", "Chat", chat(responder=9), Code.INVALID_ARGUMENT,
        "responder"),
    Row("chat scripted without moves", "Chat", chat(responder=SCRIPTED),
        Code.INVALID_ARGUMENT, "script.moves"),
    Row("chat script too many moves", "Chat", chat(responder=SCRIPTED, script=rpb.ScriptedTurn(
        moves=[rpb.ModelMove(reply="x")] * 9)), Code.RESOURCE_EXHAUSTED, "script.moves"),
    Row("chat script too many calls", "Chat", chat(responder=SCRIPTED, script=rpb.ScriptedTurn(
        moves=[rpb.ModelMove(tool_calls=[rpb.ToolCall(tool="weather")] * 17)])),
        Code.RESOURCE_EXHAUSTED, "script.moves[0].tool_calls"),
    Row("chat script call without tool", "Chat", chat(responder=SCRIPTED, script=rpb.ScriptedTurn(
        moves=[rpb.ModelMove(tool_calls=[rpb.ToolCall(call_id="a")])])),
        Code.INVALID_ARGUMENT, "script.moves[0].tool_calls[0].tool"),
    Row("stream chat without source", "StreamChat", stream(source=rpb.CHAT_SOURCE_UNSPECIFIED),
        Code.INVALID_ARGUMENT, "source"),
    Row("stream chat with unknown agent", "StreamChat", stream(target_id="ghost"),
        Code.NOT_FOUND),
    Row("stream chat mock for an unknown tool", "StreamChat", stream(mocks=[mock("ghost")]),
        Code.INVALID_ARGUMENT, "mocks[0].tool"),
    Row("watch unknown workspace", "WatchProduction",
        lambda: rpb.WatchProductionRequest(workspace_id="ws-none"), Code.NOT_FOUND),
    # conversations (issue 9)
    Row("token that is not one", "ResolveChannel",
        resolve(conversation_id="c", conversation_token="garbage"), Code.INVALID_ARGUMENT,
        "conversation_token"),
    Row("token cut short", "ResolveChannel",
        resolve(conversation_id="c", conversation_token="c1.eyJ3IjoicnQifQ"),
        Code.INVALID_ARGUMENT, "conversation_token"),
    Row("token without conversation id", "ResolveChannel",
        resolve(conversation_token="c1.a.b"), Code.INVALID_ARGUMENT, "conversation_id"),
    Row("token too long", "ResolveAgent", lambda: rpb.ResolveAgentRequest(
        workspace_id=WS, agent_id="support", conversation_id="c",
        conversation_token="c1." + "A" * 2000 + ".x"), Code.INVALID_ARGUMENT,
        "conversation_token"),
    Row("unknown conversation", "GetConversation", lambda: rpb.GetConversationRequest(
        workspace_id=WS, conversation_id="never-seen"), Code.NOT_FOUND),
    Row("conversation without id", "GetConversation",
        lambda: rpb.GetConversationRequest(workspace_id=WS), Code.INVALID_ARGUMENT,
        "conversation_id"),
    Row("conversation id too long", "GetConversation", lambda: rpb.GetConversationRequest(
        workspace_id=WS, conversation_id="c" * 101), Code.INVALID_ARGUMENT, "conversation_id"),
    Row("conversation without workspace", "GetConversation",
        lambda: rpb.GetConversationRequest(conversation_id="c"), Code.INVALID_ARGUMENT,
        "workspace_id"),
    Row("conversations without workspace", "ListConversations",
        lambda: rpb.ListConversationsRequest(), Code.INVALID_ARGUMENT, "workspace_id"),
    Row("negative page size", "ListConversations",
        lambda: rpb.ListConversationsRequest(workspace_id=WS, page_size=-1),
        Code.INVALID_ARGUMENT, "page_size"),
    Row("page token not one", "ListConversations",
        lambda: rpb.ListConversationsRequest(workspace_id=WS, page_token="x" * 40),
        Code.INVALID_ARGUMENT, "page_token"),
    Row("negative version filter", "ListConversations",
        lambda: rpb.ListConversationsRequest(workspace_id=WS, version=-1),
        Code.INVALID_ARGUMENT, "version"),
    Row("unknown source", "ListConversations",
        lambda: rpb.ListConversationsRequest(workspace_id=WS, source=7),  # type: ignore[arg-type]
        Code.INVALID_ARGUMENT, "source"),
    Row("channel filter too long", "ListConversations",
        lambda: rpb.ListConversationsRequest(workspace_id=WS, channel_id="c" * 65),
        Code.INVALID_ARGUMENT, "channel_id"),
    Row("outcomes without a workspace", "ReportOutcomes",
        lambda: rpb.ReportOutcomesRequest(events=[event()]), Code.INVALID_ARGUMENT,
        "workspace_id"),
    Row("too many outcomes", "ReportOutcomes",
        lambda: rpb.ReportOutcomesRequest(workspace_id=WS, events=[event()] * 1001),
        Code.INVALID_ARGUMENT, "events"),
    Row("outcome without a conversation", "ReportOutcomes",
        lambda: rpb.ReportOutcomesRequest(workspace_id=WS, events=[event(conversation_id="")]),
        Code.INVALID_ARGUMENT, "events[0].conversation_id"),
    Row("outcome of version 0", "ReportOutcomes",
        lambda: rpb.ReportOutcomesRequest(workspace_id=WS, events=[event(), event(version=0)]),
        Code.INVALID_ARGUMENT, "events[1].version"),
    Row("outcome unspecified", "ReportOutcomes",
        lambda: rpb.ReportOutcomesRequest(workspace_id=WS, events=[event(outcome=0)]),
        Code.INVALID_ARGUMENT, "events[0].outcome"),
    Row("outcome latency negative", "ReportOutcomes",
        lambda: rpb.ReportOutcomesRequest(workspace_id=WS, events=[event(latency_ms=-1)]),
        Code.INVALID_ARGUMENT, "events[0].latency_ms"),
    Row("outcomes of an unknown workspace", "ReportOutcomes",
        lambda: rpb.ReportOutcomesRequest(workspace_id="rt-nope", events=[event()]),
        Code.NOT_FOUND),
]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def runtime(config: ConfigHandle, redis_server: RedisServer,
                  tmp_path_factory: Any) -> AsyncIterator[RuntimeHandle]:
    existing = await config.stub.ListWorkspaces(cpb.ListWorkspacesRequest(page_size=500))
    if WS not in {w.workspace_id for w in existing.workspaces}:
        await workspace.seed(config.stub, WS)
        await config.stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=EMPTY))
    handle = await start_runtime_service(config.address, redis_server.url,
                                         str(Path(tmp_path_factory.mktemp("rt-bad"))))
    yield handle
    await handle.stop()


def _fields(exc: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    out = []
    for detail in status.details if status else ():
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            out += [v.field for v in bad.field_violations]
    return out


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
async def test_bad_runtime_input(runtime: RuntimeHandle, row: Row) -> None:
    method = getattr(runtime.stub, row.method)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        if row.method in ("WatchProduction", "StreamChat"):
            await method(row.request()).read()
        else:
            await method(row.request())
    assert refused.value.code() == row.code, refused.value.details()
    if row.field:
        assert _fields(refused.value) == [row.field]
