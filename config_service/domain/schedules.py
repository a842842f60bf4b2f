"""A scheduled publish is live data: the reviewed Draft content frozen when it was scheduled
(a manifest of content hashes, so later Draft edits cannot slip in), a time, and what
became of it. It runs once: the state moves from pending in the same transaction as the
version it publishes."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum


class ScheduleState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"
    MISSED = "missed"
    FAILED = "failed"


@dataclass(frozen=True)
class ScheduledRollout:
    steps: tuple[int, ...]
    every_seconds: int = 0
    channels: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()


@dataclass(frozen=True)
class Schedule:
    workspace_id: str
    schedule_id: str
    run_at: datetime
    reviewed_revision: int
    content_hash: str
    entity_count: int
    message: str
    created_by: str
    created_at: datetime
    rollout: ScheduledRollout | None = None
    state: ScheduleState = ScheduleState.PENDING
    finished_at: datetime | None = None
    result_version: int = 0
    rollout_id: str = ""
    outcome_reason: str = ""
    outcome: str = ""

    def finished(self, state: ScheduleState, at: datetime, *, version: int = 0,
                 rollout_id: str = "", reason: str = "", outcome: str = "") -> Schedule:
        return replace(self, state=state, finished_at=at, result_version=version,
                       rollout_id=rollout_id, outcome_reason=reason, outcome=outcome)
