"""Staged rollouts between domain records and protos."""

from __future__ import annotations

from google.protobuf import duration_pb2

from agentconfig.errors import invalid
from agentconfig.rollout_guards import OutcomeCounts
from agentconfig.v1 import rollouts_pb2 as rpb
from config_service.api.convert import ts
from config_service.domain.rollouts import Phase, Rollout

PHASES = {Phase.ACTIVE: rpb.ROLLOUT_PHASE_ACTIVE, Phase.PROMOTED: rpb.ROLLOUT_PHASE_PROMOTED,
          Phase.ABORTED: rpb.ROLLOUT_PHASE_ABORTED}
MAX_DURATION_SECONDS = 10**9  # far past any limit a use case sets; keeps int() sane


def rollout(r: Rollout) -> rpb.Rollout:
    out = rpb.Rollout(
        workspace_id=r.workspace_id, rollout_id=r.rollout_id, sequence=r.sequence,
        candidate_version=r.candidate_version, baseline_version=r.baseline_version,
        steps_bp=list(r.steps), step_index=r.step_index, share_bp=r.share_bp,
        step_start_time=ts(r.step_started_at), channel_ids=list(r.channels),
        guards=list(r.guards), phase=PHASES[r.phase], create_time=ts(r.created_at),
        created_by=r.created_by, ended_by=r.ended_by, end_reason=r.end_reason)
    if r.every_seconds:
        out.every.FromSeconds(r.every_seconds)
    if r.ended_at is not None:
        out.end_time.CopyFrom(ts(r.ended_at))
    return out


def every_seconds(value: duration_pb2.Duration, present: bool) -> int:
    """Whole seconds; a fraction or a negative duration is refused, not rounded."""
    if not present:
        return 0
    if value.nanos or value.seconds < 0 or value.seconds > MAX_DURATION_SECONDS:
        raise invalid("every", "must be a whole, positive number of seconds", "BAD_DURATION")
    return value.seconds


def counts(c: rpb.OutcomeCounts) -> OutcomeCounts:
    return OutcomeCounts(c.conversations, c.turns, c.errors, c.escalations,
                         c.negative_feedback, c.latency_ms_total)


def counts_pb(c: OutcomeCounts) -> rpb.OutcomeCounts:
    return rpb.OutcomeCounts(conversations=c.conversations, turns=c.turns, errors=c.errors,
                             escalations=c.escalations, negative_feedback=c.negative_feedback,
                             latency_ms_total=c.latency_ms_total)


def outcomes(by_version: dict[int, OutcomeCounts]) -> list[rpb.VersionOutcomes]:
    return [rpb.VersionOutcomes(version=v, counts=counts_pb(c))
            for v, c in sorted(by_version.items())]
