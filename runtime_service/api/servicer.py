"""RuntimeService. Channel-facing RPCs read only the production store (in memory; the
first request for a workspace loads it); the internal chat goes through ChatService, the
only path that can reach a Draft."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import grpc
from google.protobuf import timestamp_pb2

from agentconfig.errors import NotFound, invalid
from agentconfig.kinds import kind_by_enum
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from runtime_service.domain.access import check_channel, check_workspace, current_caller
from runtime_service.domain.context import context_dict
from runtime_service.domain.resolve import channel_answer, resolve_agent
from runtime_service.domain.snapshot import ServingSnapshot
from runtime_service.service.chat import ChatService, ChatTurn
from runtime_service.service.loader import Loader
from runtime_service.service.ports import Recorder, Turn
from runtime_service.service.store import WorkspaceState

Ctx = grpc.aio.ServicerContext[Any, Any]


MAX_CONVERSATION_ID = 100


def _required(value: str, field: str) -> None:
    if not value:
        raise invalid(field, "is required", "REQUIRED")


def _conversation(conversation_id: str) -> str:
    """Recorded as live data: bounded and printable, so no request can poison the batch
    writer with a value the database refuses."""
    if len(conversation_id) > MAX_CONVERSATION_ID:
        raise invalid("conversation_id", f"is longer than {MAX_CONVERSATION_ID} characters",
                      "TOO_LONG")
    if not conversation_id.isprintable():
        raise invalid("conversation_id", "must be printable text", "BAD_ID")
    return conversation_id


def _ts(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value)
    return out


class RuntimeServicer(rgrpc.RuntimeServiceServicer):
    def __init__(self, loader: Loader, chat: ChatService, recorder: Recorder) -> None:
        self._loader = loader
        self._chat = chat
        self._recorder = recorder
        self._conversations = loader.conversations
        self._store = loader.store

    async def _production(self, workspace_id: str, conversation_id: str,
                          ) -> tuple[WorkspaceState, ServingSnapshot]:
        check_workspace(workspace_id)
        if conversation_id:
            _conversation(conversation_id)
        state = self._store.get(workspace_id)
        if state is None or state.current is None:  # first use: the only await with I/O
            _required(workspace_id, "workspace_id")
            state = await self._loader.ensure(workspace_id)
        if not conversation_id:
            return state, state.current  # type: ignore[return-value]
        return state, self._conversations.pick(state, conversation_id, time.monotonic())

    def _record(self, snapshot: ServingSnapshot, conversation_id: str, channel_id: str,
                agent_id: str) -> None:
        if conversation_id:
            self._recorder.record(Turn(conversation_id, snapshot.workspace_id, channel_id,
                                       "channel", agent_id, snapshot.version,
                                       snapshot.content_hash, 0, datetime.now(UTC)))

    async def ResolveChannel(self, request: rpb.ResolveChannelRequest, context: Ctx,
                             ) -> rpb.ResolveChannelResponse:
        # the busiest RPC: its common case (a loaded workspace, no conversation) is written
        # out here without helper coroutines
        channel_id, workspace_id = request.channel_id, request.workspace_id
        if not channel_id:
            _required(channel_id, "channel_id")
        check_channel(channel_id)
        state = self._store.get(workspace_id)
        if state is None or state.current is None or request.conversation_id:
            state, snapshot = await self._production(workspace_id, request.conversation_id)
        else:
            check_workspace(workspace_id)
            snapshot = state.current
        binding = state.channels.get(channel_id)
        if binding is None:
            raise NotFound(f"channel {channel_id!r} not found", reason="CHANNEL_NOT_FOUND")
        answer = channel_answer(snapshot, binding.target_kind, binding.target_id,
                                request.context, binding.channel_id, binding.type)
        if request.conversation_id:
            self._record(snapshot, request.conversation_id, channel_id,
                         answer.agent.agent_id)
        return answer

    async def ResolveAgent(self, request: rpb.ResolveAgentRequest, context: Ctx,
                           ) -> rpb.ResolveAgentResponse:
        _required(request.agent_id, "agent_id")
        _, snapshot = await self._production(request.workspace_id, request.conversation_id)
        agent = resolve_agent(snapshot, request.agent_id, context_dict(request.context))
        self._record(snapshot, request.conversation_id, "", agent.agent_id)
        return rpb.ResolveAgentResponse(agent=agent, served_from=snapshot.served_from)

    async def GetProductionSnapshot(self, request: rpb.GetProductionSnapshotRequest,
                                    context: Ctx) -> rpb.GetProductionSnapshotResponse:
        _, snapshot = await self._production(request.workspace_id, "")
        if request.if_none_match and request.if_none_match == snapshot.content_hash:
            return rpb.GetProductionSnapshotResponse(not_modified=True,
                                                     served_from=snapshot.served_from)
        return rpb.GetProductionSnapshotResponse(snapshot=snapshot.proto,
                                                 served_from=snapshot.served_from)

    async def WatchProduction(self, request: rpb.WatchProductionRequest, context: Ctx,
                              ) -> AsyncIterator[rpb.WatchProductionResponse]:
        state, snapshot = await self._production(request.workspace_id, "")
        while True:
            changed = state.changed
            yield rpb.WatchProductionResponse(
                served_from=snapshot.served_from,
                snapshot=snapshot.proto if request.include_snapshot else None)
            await changed.wait()
            assert state.current is not None
            snapshot = state.current

    async def Chat(self, request: rpb.ChatRequest, context: Ctx) -> rpb.ChatResponse:
        kind = kind_by_enum(request.target_kind)
        if request.source == rpb.CHAT_SOURCE_UNSPECIFIED or request.source not in (
                rpb.CHAT_SOURCE_DRAFT, rpb.CHAT_SOURCE_VERSION):
            raise invalid("source", "must be CHAT_SOURCE_DRAFT or CHAT_SOURCE_VERSION",
                          "REQUIRED")
        check_workspace(request.workspace_id)
        return await self._chat.turn(ChatTurn(
            request.workspace_id, kind.name if kind else "", request.target_id,
            request.source == rpb.CHAT_SOURCE_DRAFT, request.version, request.message,
            request.context, _conversation(request.conversation_id)))

    async def GetReplicaStatus(self, request: rpb.GetReplicaStatusRequest, context: Ctx,
                               ) -> rpb.GetReplicaStatusResponse:
        caller = current_caller.get()
        reasons = self._loader.degraded_reasons()
        return rpb.GetReplicaStatusResponse(
            replica_id=self._loader.replica_id, degraded=bool(reasons),
            degraded_reasons=reasons, workspaces=[
                rpb.WorkspaceServing(workspace_id=s.workspace_id, version=s.current.version,
                                     content_hash=s.current.content_hash,
                                     load_time=_ts(s.current.loaded_at))
                for s in sorted(self._loader.store.workspaces.values(),
                                key=lambda s: s.workspace_id)
                if s.current is not None and caller.workspace_id in (None, s.workspace_id)])
