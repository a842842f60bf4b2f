"""The channel-facing RPCs: they read only the production store (in memory; the first
request for a workspace loads it), so no RPC here can serve a Draft."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

from agentconfig.errors import NotFound
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.api.rpc_base import Ctx, RpcBase, required, ts
from runtime_service.domain.access import check_channel, check_workspace, current_caller
from runtime_service.domain.context import context_dict
from runtime_service.domain.resolve import channel_answer, resolve_agent
from runtime_service.domain.snapshot import ServingSnapshot
from runtime_service.service.ports import Turn


class ProductionRpcs(RpcBase):
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
            required(channel_id, "channel_id")
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
        required(request.agent_id, "agent_id")
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

