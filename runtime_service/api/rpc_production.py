"""The channel-facing RPCs: they read only the production store (in memory; the first
request for a workspace loads it), so no RPC here can serve a Draft. A turn of a named
conversation is answered from the version the conversation is pinned to (still a
production version, fetched if this replica does not hold it) and from its squad's current
speaker: service/conversations.py."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import TypeVar

from agentconfig.conditions import Activation
from agentconfig.errors import NotFound, invalid
from agentconfig.resolution.context import context_dict
from agentconfig.resolution.resolve import channel_answer, resolve_agent
from agentconfig.resolution.snapshot import ServingSnapshot
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.api.rpc_base import Ctx, RpcBase, check_conversation_id, required, ts
from runtime_service.domain.access import check_channel, check_workspace, current_caller
from runtime_service.domain.conversation import ConversationState
from runtime_service.service.conversations import Opened
from runtime_service.service.ports import MAX_TURN_TEXT, ChannelBinding, Turn
from runtime_service.service.store import WorkspaceState

T = TypeVar("T")


def _conversation_id(conversation_id: str, token: str) -> str:
    if token and not conversation_id:
        raise invalid("conversation_id", "is required with a conversation_token", "REQUIRED")
    return check_conversation_id(conversation_id)


def _binding(state: WorkspaceState, channel_id: str) -> ChannelBinding:
    binding = state.channels.get(channel_id)
    if binding is None:
        raise NotFound(f"channel {channel_id!r} not found", reason="CHANNEL_NOT_FOUND")
    return binding


def _bindings(state: WorkspaceState) -> list[rpb.ChannelBinding]:
    return [rpb.ChannelBinding(channel_id=b.channel_id, type=b.type,
                               target_kind=b.target_kind, target_id=b.target_id)
            for _, b in sorted(state.channels.items())]


def _answered(state: WorkspaceState, opened: Opened, answer: Callable[[ServingSnapshot], T],
              ) -> tuple[Opened, T]:
    """The answer from the conversation's pin; from Production when the pinned version
    lacks what the channel (live data, rebound since) or the caller names, rather than
    failing every turn until the conversation goes idle. The pin stays."""
    try:
        return opened, answer(opened.snapshot)
    except NotFound:
        current = state.current
        if current is None or opened.snapshot is current:
            raise
        return Opened(current, current.served_from, opened.state), answer(current)


class ProductionRpcs(RpcBase):
    async def ResolveChannel(self, request: rpb.ResolveChannelRequest, context: Ctx,
                             ) -> rpb.ResolveChannelResponse:
        # the busiest RPC: its common case (a loaded workspace, no conversation) is written
        # out here without helper coroutines
        channel_id, workspace_id = request.channel_id, request.workspace_id
        if not channel_id:
            required(channel_id, "channel_id")
        check_channel(channel_id)
        if request.conversation_id or request.conversation_token:
            return await self._channel_turn(request)
        state = self._store.get(workspace_id)
        if state is None or state.current is None:
            state, snapshot = await self._production(workspace_id)
        else:
            check_workspace(workspace_id)
            snapshot = state.current
        binding = state.channels.get(channel_id)
        if binding is None:
            raise NotFound(f"channel {channel_id!r} not found", reason="CHANNEL_NOT_FOUND")
        return channel_answer(snapshot, binding.target_kind, binding.target_id,
                              request.context, binding.channel_id, binding.type)

    async def _channel_turn(self, request: rpb.ResolveChannelRequest,
                            ) -> rpb.ResolveChannelResponse:
        """A conversation's turn: answered from its pin, from its current speaker."""
        conversation_id = _conversation_id(request.conversation_id, request.conversation_token)
        state, _ = await self._production(request.workspace_id)
        binding = _binding(state, request.channel_id)
        opened = await self._conversations.start_turn(state, conversation_id,
                                                      request.conversation_token,
                                                      channel_id=binding.channel_id)
        opened, answer = _answered(state, opened, lambda snapshot: channel_answer(
            snapshot, binding.target_kind, binding.target_id, request.context,
            binding.channel_id, binding.type, opened.state.current_agent_id))
        squad = answer.squad if answer.HasField("squad") else None
        after, token = self._conversations.end_turn(opened, answer.agent.agent_id)
        self._record(opened, after, request.context.message, answer.agent, squad,
                     binding.channel_id, binding.target_kind, binding.target_id)
        return rpb.ResolveChannelResponse(
            agent=answer.agent, served_from=opened.served_from, squad=squad,
            conversation=after.to_proto(), conversation_token=token)

    async def ResolveAgent(self, request: rpb.ResolveAgentRequest, context: Ctx,
                           ) -> rpb.ResolveAgentResponse:
        required(request.agent_id, "agent_id")
        if not (request.conversation_id or request.conversation_token):
            _, snapshot = await self._production(request.workspace_id)
            agent = resolve_agent(snapshot, request.agent_id,
                                  Activation(context_dict(request.context), typed=True))
            return rpb.ResolveAgentResponse(agent=agent, served_from=snapshot.served_from)
        conversation_id = _conversation_id(request.conversation_id, request.conversation_token)
        state, _ = await self._production(request.workspace_id)
        opened = await self._conversations.start_turn(state, conversation_id,
                                                request.conversation_token)
        context_values = Activation(context_dict(request.context), typed=True)
        opened, agent = _answered(state, opened, lambda snapshot: resolve_agent(
            snapshot, request.agent_id, context_values))
        after, token = self._conversations.end_turn(opened, agent.agent_id)
        self._record(opened, after, request.context.message, agent, None, "", "agent",
                     agent.agent_id)
        return rpb.ResolveAgentResponse(agent=agent, served_from=opened.served_from,
                                        conversation=after.to_proto(),
                                        conversation_token=token)

    def _record(self, opened: Opened, after: ConversationState, message: str,
                agent: rpb.ResolvedAgent, squad: rpb.SquadTrace | None, channel_id: str,
                target_kind: str, target_id: str) -> None:
        snapshot = opened.snapshot
        self._recorder.record(Turn(
            after.conversation_id, after.workspace_id, channel_id, "channel", agent.agent_id,
            snapshot.version, snapshot.content_hash, 0,
            datetime.fromtimestamp(after.last_turn_at, UTC),
            user_message=message[:MAX_TURN_TEXT],  # the queue holds it until written
            handoff_rule_index=squad.handoff_rule_index if squad else -1,
            matched_conditional_prompt_ids=tuple(agent.matched_conditional_prompt_ids),
            target_kind=target_kind, target_id=target_id,
            current_agent_id=after.current_agent_id, reason=opened.served_from.reason))

    async def GetProductionSnapshot(self, request: rpb.GetProductionSnapshotRequest,
                                    context: Ctx) -> rpb.GetProductionSnapshotResponse:
        state, snapshot = await self._production(request.workspace_id)
        channels = _bindings(state)
        if request.if_none_match and request.if_none_match == snapshot.content_hash:
            return rpb.GetProductionSnapshotResponse(not_modified=True, channels=channels,
                                                     served_from=snapshot.served_from)
        return rpb.GetProductionSnapshotResponse(snapshot=snapshot.proto, channels=channels,
                                                 served_from=snapshot.served_from)

    async def WatchProduction(self, request: rpb.WatchProductionRequest, context: Ctx,
                              ) -> AsyncIterator[rpb.WatchProductionResponse]:
        """The current version first, then each new one, and the bindings again whenever
        only they changed (no snapshot then: the version is the one just sent)."""
        state, snapshot = await self._production(request.workspace_id)
        sent: ServingSnapshot | None = None
        while True:
            changed = state.changed
            new = snapshot is not sent
            yield rpb.WatchProductionResponse(
                served_from=snapshot.served_from, channels=_bindings(state),
                snapshot=snapshot.proto if new and request.include_snapshot else None)
            sent = snapshot
            await changed.wait()
            assert state.current is not None
            snapshot = state.current

    async def GetReplicaStatus(self, request: rpb.GetReplicaStatusRequest, context: Ctx,
                               ) -> rpb.GetReplicaStatusResponse:
        caller = current_caller.get()
        reasons = self._loader.degraded_reasons()
        return rpb.GetReplicaStatusResponse(
            replica_id=self._loader.replica_id, degraded=bool(reasons),
            degraded_reasons=reasons, workspaces=[
                rpb.WorkspaceServing(workspace_id=s.workspace_id, version=s.current.version,
                                     content_hash=s.current.content_hash,
                                     load_time=ts(s.current.loaded_at))
                for s in sorted(self._loader.store.workspaces.values(),
                                key=lambda s: s.workspace_id)
                if s.current is not None and caller.workspace_id in (None, s.workspace_id)])

