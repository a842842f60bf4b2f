"""The storage the staged-rollout use cases need: part of the Repository (one transaction
with the workspace lock, the audit and the outbox), declared apart because it is its own
area."""

from __future__ import annotations

import abc

from agentconfig.rollout_guards import OutcomeCounts
from config_service.domain.rollouts import Rollout


class RolloutStore(abc.ABC):
    @abc.abstractmethod
    async def add_rollout(self, rollout: Rollout) -> None: ...
    @abc.abstractmethod
    async def save_rollout(self, rollout: Rollout) -> None: ...
    @abc.abstractmethod
    async def get_rollout(self, workspace_id: str, rollout_id: str) -> Rollout | None: ...
    @abc.abstractmethod
    async def latest_rollout(self, workspace_id: str) -> Rollout | None:
        """The workspace's rollout with the highest sequence (active or ended), if any: its
        sequence is the workspace's rollout sequence."""
    @abc.abstractmethod
    async def list_rollouts(self, workspace_id: str, before: int, limit: int,
                            ) -> list[Rollout]:
        """Newest first; ``before`` is a sequence (0: from the newest)."""
    @abc.abstractmethod
    async def active_rollouts(self, limit: int) -> list[tuple[str, str]]:
        """(workspace, rollout id) of active rollouts in every workspace, for the
        controller that steps them on schedule and checks their guards."""
    @abc.abstractmethod
    async def add_rollout_notice(self, workspace_id: str, sequence: int) -> None:
        """An outbox row: the relay tells the runtimes the rollout state moved."""

    # outcome counts the runtimes forward (cumulative per reporting process and version)
    @abc.abstractmethod
    async def put_outcomes(self, workspace_id: str, rollout_id: str, reporter: str,
                           version: int, counts: OutcomeCounts) -> None:
        """Keep the larger of the stored and the given counts, field by field: reports are
        cumulative, so a late or repeated one never lowers a total."""
    @abc.abstractmethod
    async def outcome_totals(self, workspace_id: str, rollout_id: str,
                             ) -> dict[int, OutcomeCounts]:
        """Version -> counts summed over reporters."""
