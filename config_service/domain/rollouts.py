"""A staged rollout is live data: which version serves what share of new conversations on
which channels, moved by steps, and ended by a promote or an abort.

Every change takes the workspace's next rollout sequence number, so runtime replicas apply
rollout states forward only (a late notice never undoes a newer state), exactly as they do
production versions. The share rules themselves are in agentconfig.rollouts, shared with the
runtime and the gateway SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from agentconfig.rollouts import RolloutState


class Phase(StrEnum):
    ACTIVE = "active"
    PROMOTED = "promoted"
    ABORTED = "aborted"


@dataclass(frozen=True)
class Rollout:
    workspace_id: str
    rollout_id: str
    sequence: int
    candidate_version: int
    baseline_version: int  # Production when it started: what the candidate is compared with
    steps: tuple[int, ...]  # shares in basis points, rising
    step_index: int
    every_seconds: int  # 0: steps move by hand only
    step_started_at: datetime
    channels: tuple[str, ...]  # empty: every channel
    guards: tuple[str, ...]  # guard texts (agentconfig.rollout_guards)
    created_at: datetime
    created_by: str
    phase: Phase = Phase.ACTIVE
    ended_at: datetime | None = None
    ended_by: str = ""
    end_reason: str = ""  # why it ended; an automatic abort names the guard and figures
    end_figures: dict[str, Any] = field(default_factory=dict)

    @property
    def active(self) -> bool:
        return self.phase is Phase.ACTIVE

    @property
    def share_bp(self) -> int:
        return self.steps[self.step_index] if self.active else 0

    @property
    def last_step(self) -> bool:
        return self.step_index >= len(self.steps) - 1

    def state(self) -> RolloutState:
        """What a replica serves by."""
        return RolloutState(self.rollout_id, self.sequence, self.candidate_version,
                            self.share_bp, frozenset(self.channels), self.active)

    def at_step(self, index: int, sequence: int, at: datetime) -> Rollout:
        return replace(self, step_index=index, sequence=sequence, step_started_at=at)

    def ended(self, phase: Phase, sequence: int, at: datetime, by: str, reason: str,
              figures: dict[str, Any] | None = None) -> Rollout:
        return replace(self, phase=phase, sequence=sequence, ended_at=at, ended_by=by,
                       end_reason=reason, end_figures=figures or {})
