"""ReportOutcomes: gateways tell the runtime how turns went; the replica counts what its
workspace's staged rollout needs (service/outcomes.py) and forwards compact counts."""

from __future__ import annotations

from agentconfig.errors import invalid
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.api.rpc_base import MAX_CONVERSATION_ID, Ctx, RpcBase, required
from runtime_service.domain.access import check_workspace
from runtime_service.service.outcomes import Outcome

MAX_EVENTS = 1000
MAX_LATENCY_MS = 3_600_000
KINDS = {rpb.TURN_OUTCOME_OK: "ok", rpb.TURN_OUTCOME_ERROR: "error",
         rpb.TURN_OUTCOME_ESCALATED: "escalated",
         rpb.TURN_OUTCOME_NEGATIVE_FEEDBACK: "negative_feedback"}


def _outcomes(request: rpb.ReportOutcomesRequest) -> list[Outcome]:
    if len(request.events) > MAX_EVENTS:
        raise invalid("events", f"at most {MAX_EVENTS} per call", "TOO_MANY")
    out = []
    for i, e in enumerate(request.events):
        path = f"events[{i}]"
        cid = e.conversation_id
        if not cid or len(cid) > MAX_CONVERSATION_ID or not cid.isprintable():
            raise invalid(f"{path}.conversation_id", "is required: printable, at most "
                          f"{MAX_CONVERSATION_ID} characters", "BAD_ID")
        if e.version <= 0:
            raise invalid(f"{path}.version", "must be the version that answered (1, 2, 3 ...)",
                          "BAD_VERSION")
        if e.outcome not in KINDS:
            raise invalid(f"{path}.outcome", "must be OK, ERROR, ESCALATED or "
                          "NEGATIVE_FEEDBACK", "BAD_ENUM")
        if not 0 <= e.latency_ms <= MAX_LATENCY_MS:
            raise invalid(f"{path}.latency_ms", f"must be 0 to {MAX_LATENCY_MS}", "OUT_OF_RANGE")
        out.append(Outcome(e.conversation_id, e.version, KINDS[e.outcome], e.latency_ms))
    return out


class OutcomeRpcs(RpcBase):
    async def ReportOutcomes(self, request: rpb.ReportOutcomesRequest, context: Ctx,
                             ) -> rpb.ReportOutcomesResponse:
        required(request.workspace_id, "workspace_id")
        outcomes = _outcomes(request)
        check_workspace(request.workspace_id)
        await self._production(request.workspace_id)  # loaded, with its rollout state
        tally = self._loader.outcomes
        accepted = tally.record(request.workspace_id, outcomes) if tally is not None else 0
        return rpb.ReportOutcomesResponse(accepted=accepted)
