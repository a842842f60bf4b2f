"""Moving a staged rollout: a step up, the promote (the candidate becomes Production) and
the abort (every new conversation back to Production). Same transaction shape as
rollouts.start: workspace lock, next sequence, audit, outbox notice, commit, poke."""

from __future__ import annotations

from agentconfig.errors import FailedPrecondition, invalid
from config_service.domain.rollouts import Phase, Rollout
from config_service.service import audit
from config_service.service.common import check_author, now, workspace
from config_service.service.ports import Announcer, UnitOfWorkFactory
from config_service.service.publishing import check_text
from config_service.service.rollouts import (
    MAX_GUARD_TEXT,
    announce,
    current_rollout,
    end,
    next_sequence,
)


async def step(uowf: UnitOfWorkFactory, announcer: Announcer, workspace_id: str,
               rollout_id: str, step_index: int | None, author: str,
               expected_sequence: int = 0) -> Rollout:
    """To ``step_index``, or the next step (None); forward only."""
    check_author(author)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await current_rollout(uow.repo, ws, rollout_id, expected_sequence)
        target = current.step_index + 1 if step_index is None else step_index
        if current.last_step:
            raise FailedPrecondition("the rollout is at its last step: promote or abort it",
                                     reason="LAST_STEP")
        if not current.step_index < target < len(current.steps):
            raise invalid("step_index", f"must be a later step: {current.step_index + 1} to "
                          f"{len(current.steps) - 1}", "BAD_STEP")
        moved = current.at_step(target, await next_sequence(uow.repo, ws.id), now())
        await uow.repo.save_rollout(moved)
        await announce(uow.repo, moved, "rollout.step", author, {"step_index": target})
        await uow.commit()
    announcer.poke()
    return moved


async def promote(uowf: UnitOfWorkFactory, announcer: Announcer, workspace_id: str,
                  rollout_id: str, author: str, expected_sequence: int = 0) -> Rollout:
    """The candidate becomes Production: a normal production move (outbox, relay, audit)."""
    check_author(author)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await current_rollout(uow.repo, ws, rollout_id, expected_sequence)
        version = await uow.repo.get_version(ws.id, current.candidate_version)
        assert version is not None  # versions are never deleted
        ws.production_version = ws.base_version = version.number
        await uow.repo.save_workspace(ws)
        await uow.repo.add_outbox(ws.id, version.number, version.content_hash)
        await audit.record(uow.repo, ws.id, "version.promote", f"v{version.number}", {
            "rollout_id": rollout_id, "content_hash": version.content_hash,
            "previous_version": current.baseline_version}, author=author)
        ended = await end(uow.repo, current, Phase.PROMOTED, author, "promoted")
        await uow.commit()
    announcer.poke()
    return ended


async def abort(uowf: UnitOfWorkFactory, announcer: Announcer, workspace_id: str,
                rollout_id: str, author: str, reason: str = "", expected_sequence: int = 0,
                figures: dict[str, object] | None = None) -> Rollout:
    """Every new conversation goes back to Production at once; conversations already
    pinned to the candidate keep it until they go idle (the pinning rule)."""
    check_author(author)
    check_text("reason", reason, MAX_GUARD_TEXT * 5)  # length, and no NUL for Postgres
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await current_rollout(uow.repo, ws, rollout_id, expected_sequence)
        ended = await end(uow.repo, current, Phase.ABORTED, author,
                          reason or "aborted by hand", figures)
        await uow.commit()
    announcer.poke()
    return ended
