"""Staged rollouts (live data): start, read, step, promote, abort, and the outcome counts
the runtimes forward."""

from __future__ import annotations

from agentconfig.v1 import rollouts_pb2 as rpb
from config_service.api import convert_rollouts as cr
from config_service.api.rpc_base import Ctx, RpcBase, author_of
from config_service.service import rollout_moves, rollout_reads, rollouts


class RolloutRpcs(RpcBase):
    async def StartRollout(self, request: rpb.StartRolloutRequest, context: Ctx,
                           ) -> rpb.StartRolloutResponse:
        started = await rollouts.start(self._uowf, self._announcer, rollouts.StartRollout(
            request.workspace_id, request.candidate_version, tuple(request.steps_bp),
            cr.every_seconds(request.every, request.HasField("every")),
            tuple(request.channel_ids), tuple(request.guards),
            author_of(request.author, context)))
        return rpb.StartRolloutResponse(rollout=cr.rollout(started))

    async def GetRollout(self, request: rpb.GetRolloutRequest, context: Ctx,
                         ) -> rpb.GetRolloutResponse:
        found, outcomes = await rollout_reads.get(self._uowf, request.workspace_id,
                                                  request.rollout_id)
        return rpb.GetRolloutResponse(rollout=cr.rollout(found),
                                      outcomes=cr.outcomes(outcomes))

    async def ListRollouts(self, request: rpb.ListRolloutsRequest, context: Ctx,
                           ) -> rpb.ListRolloutsResponse:
        rows, token = await rollout_reads.list_rollouts(
            self._uowf, request.workspace_id, request.page_size, request.page_token)
        return rpb.ListRolloutsResponse(rollouts=[cr.rollout(r) for r in rows],
                                        next_page_token=token)

    async def AdvanceRollout(self, request: rpb.AdvanceRolloutRequest, context: Ctx,
                             ) -> rpb.AdvanceRolloutResponse:
        index = request.step_index if request.HasField("step_index") else None
        moved = await rollout_moves.step(
            self._uowf, self._announcer, request.workspace_id, request.rollout_id, index,
            author_of(request.author, context), request.expected_sequence)
        return rpb.AdvanceRolloutResponse(rollout=cr.rollout(moved))

    async def PromoteRollout(self, request: rpb.PromoteRolloutRequest, context: Ctx,
                             ) -> rpb.PromoteRolloutResponse:
        ended = await rollout_moves.promote(
            self._uowf, self._announcer, request.workspace_id, request.rollout_id,
            author_of(request.author, context), request.expected_sequence)
        return rpb.PromoteRolloutResponse(rollout=cr.rollout(ended))

    async def AbortRollout(self, request: rpb.AbortRolloutRequest, context: Ctx,
                           ) -> rpb.AbortRolloutResponse:
        ended = await rollout_moves.abort(
            self._uowf, self._announcer, request.workspace_id, request.rollout_id,
            author_of(request.author, context), request.reason, request.expected_sequence)
        return rpb.AbortRolloutResponse(rollout=cr.rollout(ended))

    async def ReportOutcomeCounts(self, request: rpb.ReportOutcomeCountsRequest, context: Ctx,
                                  ) -> rpb.ReportOutcomeCountsResponse:
        await rollout_reads.report_outcomes(
            self._uowf, request.workspace_id, request.rollout_id, request.reporter,
            [(o.version, cr.counts(o.counts)) for o in request.outcomes])
        return rpb.ReportOutcomeCountsResponse()
