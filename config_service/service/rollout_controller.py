"""The rollout controller: steps scheduled rollouts and aborts those whose guards trip.

Every config-service instance runs it; each decision is taken under the workspace lock on a
fresh read of the rollout, so when two instances look at the same rollout the second sees
what the first did (a step already taken, a rollout already ended) and does nothing: each
step and each automatic abort happens once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from agentconfig.rollout_guards import OutcomeCounts, Verdict, first_tripped, parse_guard
from agentconfig.rollouts import due_step
from config_service.domain.rollouts import Phase, Rollout
from config_service.service.common import now
from config_service.service.periodic import Periodic
from config_service.service.ports import Announcer, Repository, UnitOfWorkFactory
from config_service.service.rollouts import announce, end, next_sequence

log = logging.getLogger(__name__)
CONTROLLER = "rollout-controller"
MAX_PER_TICK = 1000


@dataclass(frozen=True)
class Decision:
    workspace_id: str
    rollout_id: str
    action: str  # "step" or "abort"
    detail: str


async def tick(uowf: UnitOfWorkFactory, announcer: Announcer,
               at: datetime | None = None) -> list[Decision]:
    """One pass over every active rollout; what it changed."""
    async with uowf(read_only=True) as uow:
        candidates = await uow.repo.active_rollouts(MAX_PER_TICK)
    decisions = []
    for workspace_id, rollout_id in candidates:
        decision = await _decide(uowf, workspace_id, rollout_id, at or now())
        if decision is not None:
            decisions.append(decision)
    if decisions:
        announcer.poke()
    return decisions


async def _decide(uowf: UnitOfWorkFactory, workspace_id: str, rollout_id: str,
                  at: datetime) -> Decision | None:
    """Most passes change nothing (no step due, no guard tripped): they read without the
    workspace lock, so an active rollout does not take its workspace's lock every tick
    against publishes and edits. Only when something is due is the lock taken, and the
    decision taken again on a fresh read under it."""
    async with uowf(read_only=True) as uow:
        seen = await uow.repo.get_rollout(workspace_id, rollout_id)
        if seen is None or not seen.active or not (
                _step_due(seen, at) or await _tripped(uow.repo, seen) is not None):
            return None
    async with uowf() as uow:
        if await uow.repo.lock_workspace(workspace_id) is None:
            return None
        current = await uow.repo.get_rollout(workspace_id, rollout_id)
        if current is None or not current.active:
            return None  # another instance ended it meanwhile
        decision = await _guard(uow.repo, current) or await _step(uow.repo, current, at)
        if decision is not None:
            await uow.commit()
        return decision


async def _tripped(repo: Repository, current: Rollout) -> Verdict | None:
    guards = tuple(parse_guard(text) for text in current.guards)
    if not guards:
        return None
    totals = await repo.outcome_totals(current.workspace_id, current.rollout_id)
    return first_tripped(guards, totals.get(current.candidate_version, OutcomeCounts()),
                         totals.get(current.baseline_version, OutcomeCounts()))


async def _guard(repo: Repository, current: Rollout) -> Decision | None:
    verdict = await _tripped(repo, current)
    if verdict is None:
        return None
    figures: dict[str, object] = {
        "guard": verdict.guard.text(), "candidate_rate": round(verdict.candidate_rate, 6),
        "production_rate": round(verdict.production_rate, 6),
        "candidate_conversations": verdict.candidate_conversations}
    reason = f"automatic abort: {verdict.explain()}"
    await end(repo, current, Phase.ABORTED, CONTROLLER, reason, figures)
    log.warning("rollout %s of %s aborted: %s", current.rollout_id, current.workspace_id,
                reason)
    return Decision(current.workspace_id, current.rollout_id, "abort", reason)


def _due(current: Rollout, at: datetime) -> int:
    return due_step(current.steps, current.step_index, current.step_started_at.timestamp(),
                    current.every_seconds, at.timestamp())


def _step_due(current: Rollout, at: datetime) -> bool:
    return _due(current, at) != current.step_index


async def _step(repo: Repository, current: Rollout, at: datetime) -> Decision | None:
    target = _due(current, at)
    if target == current.step_index:
        return None
    moved = current.at_step(target, await next_sequence(repo, current.workspace_id), at)
    await repo.save_rollout(moved)
    await announce(repo, moved, "rollout.step", CONTROLLER,
                   {"step_index": target, "scheduled": True})
    return Decision(current.workspace_id, current.rollout_id, "step",
                    f"step {target}: {moved.share_bp / 100:g} %")


class RolloutController(Periodic):
    """``tick`` every ``interval`` seconds, in every instance."""

    def __init__(self, uowf: UnitOfWorkFactory, announcer: Announcer,
                 interval: float = 5.0) -> None:
        super().__init__("rollout-controller", lambda: tick(uowf, announcer), interval)


__all__ = ["CONTROLLER", "Decision", "RolloutController", "tick"]
