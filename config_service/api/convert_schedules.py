"""Scheduled publishes between domain records and protos."""

from __future__ import annotations

from datetime import UTC, datetime

from agentconfig.errors import invalid
from agentconfig.v1 import schedules_pb2 as spb
from config_service.api.convert import ts
from config_service.domain.schedules import Schedule, ScheduledRollout, ScheduleState

STATES = {ScheduleState.PENDING: spb.SCHEDULE_STATE_PENDING,
          ScheduleState.DONE: spb.SCHEDULE_STATE_DONE,
          ScheduleState.CANCELLED: spb.SCHEDULE_STATE_CANCELLED,
          ScheduleState.MISSED: spb.SCHEDULE_STATE_MISSED,
          ScheduleState.FAILED: spb.SCHEDULE_STATE_FAILED}
MAX_EVERY_SECONDS = 10**9


def run_time(request: spb.SchedulePublishRequest) -> datetime:
    if not request.HasField("run_time"):
        raise invalid("run_time", "is required", "REQUIRED")
    try:
        return request.run_time.ToDatetime(UTC)
    except ValueError as exc:
        raise invalid("run_time", "is not a valid timestamp", "BAD_TIMESTAMP") from exc


def rollout_of(request: spb.SchedulePublishRequest) -> ScheduledRollout | None:
    if not request.HasField("rollout"):
        return None
    r = request.rollout
    if not 0 <= r.every_seconds <= MAX_EVERY_SECONDS:
        raise invalid("rollout.every_seconds", "must be 0 (by hand) or a positive number of "
                      "seconds", "BAD_DURATION")
    return ScheduledRollout(tuple(r.steps_bp), r.every_seconds, tuple(r.channel_ids),
                            tuple(r.guards))


def schedule(s: Schedule) -> spb.Schedule:
    out = spb.Schedule(
        workspace_id=s.workspace_id, schedule_id=s.schedule_id, run_time=ts(s.run_at),
        state=STATES[s.state], reviewed_revision=s.reviewed_revision,
        content_hash=s.content_hash, entity_count=s.entity_count, message=s.message,
        created_by=s.created_by, create_time=ts(s.created_at),
        result_version=s.result_version, outcome_reason=s.outcome_reason, outcome=s.outcome,
        rollout_id=s.rollout_id)
    if s.rollout is not None:
        out.rollout.CopyFrom(spb.ScheduledRollout(
            steps_bp=list(s.rollout.steps), every_seconds=s.rollout.every_seconds,
            channel_ids=list(s.rollout.channels), guards=list(s.rollout.guards)))
    if s.finished_at is not None:
        out.finish_time.CopyFrom(ts(s.finished_at))
    return out
