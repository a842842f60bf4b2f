"""Runs scheduled publishes when their time comes, exactly once across config-service
instances.

Each schedule runs in one transaction that first takes the workspace lock and then reads
the schedule again: the version, the outbox row, the audit and the schedule's new state
commit together. An instance that dies mid-way leaves nothing (its transaction rolls back
and its lock goes with its connection), so another instance runs it; an instance that waited
on the lock finds the schedule already done and does nothing. A schedule that cannot be run
(refused by a check) is marked failed, never retried; one whose time passed by more than
the grace period while no instance could run it is marked missed.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from agentconfig.errors import AgentConfigError, Conflict, Unavailable
from config_service.domain.model import OriginType, Workspace
from config_service.domain.schedules import Schedule, ScheduleState
from config_service.domain.validation import validate_draft
from config_service.service import draft_delta, publishing, rollouts
from config_service.service.common import now, production_manifest, specs_of
from config_service.service.periodic import Periodic
from config_service.service.ports import Announcer, UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
MAX_PER_TICK = 100


async def run_due(uowf: UnitOfWorkFactory, announcer: Announcer, grace: timedelta,
                  at: datetime | None = None) -> list[Schedule]:
    """Every due schedule once; the ones this call finished (done, failed or missed)."""
    at = at or now()
    async with uowf(read_only=True) as uow:
        due = await uow.repo.due_schedules(at, MAX_PER_TICK)
    finished = []
    for workspace_id, schedule_id in due:
        result = await _run_one(uowf, workspace_id, schedule_id, grace, at)
        if result is not None:
            finished.append(result)
    if finished:
        announcer.poke()
    return finished


async def _run_one(uowf: UnitOfWorkFactory, workspace_id: str, schedule_id: str,
                   grace: timedelta, at: datetime) -> Schedule | None:
    try:
        async with uowf() as uow:
            claimed = await _claim(uow, workspace_id, schedule_id)
            if claimed is None:
                return None
            ws, pending = claimed
            if at - pending.run_at > grace:
                finished = pending.finished(
                    ScheduleState.MISSED, at, reason="MISSED",
                    outcome=f"not run within {grace} of its time")
            else:
                finished = await _publish(uow, ws, pending, at)
            await uow.repo.save_schedule(finished)
            await uow.commit()
            return finished
    except (Unavailable, Conflict) as exc:  # an outage or a lost race: the next pass retries
        log.warning("schedule %s not run yet (%s); retrying", schedule_id, exc.message)
        return None
    except AgentConfigError as exc:
        return await _fail(uowf, workspace_id, schedule_id, exc, at)


async def _claim(uow: UnitOfWork, workspace_id: str, schedule_id: str,
                 ) -> tuple[Workspace, Schedule] | None:
    """The workspace, locked, and the schedule if it is still pending."""
    ws = await uow.repo.lock_workspace(workspace_id)
    found = await uow.repo.get_schedule(workspace_id, schedule_id) if ws else None
    if ws is None or found is None or found.state is not ScheduleState.PENDING:
        return None
    return ws, found


async def _publish(uow: UnitOfWork, ws: Workspace, pending: Schedule, at: datetime,
                   ) -> Schedule:
    """The frozen content as the next version, and its rollout if it asks for one; a check
    that refuses raises, and the caller's transaction keeps nothing of it."""
    manifest = await uow.repo.schedule_manifest(pending.schedule_id)
    production = await production_manifest(uow.repo, ws)
    if manifest == production:
        raise publishing.unchanged(ws)
    staged = pending.rollout is not None
    req = publishing.PublishRequest(ws.id, pending.message, pending.created_by, "",
                                    reviewed_revision=pending.reviewed_revision,
                                    stage_only=staged)
    if not staged:
        await publishing.rollout_gate(uow, ws, req)
    publishing.refuse_invalid(validate_draft(await specs_of(uow.repo, manifest),
                                             await uow.repo.list_channels(ws.id)))
    latest = await uow.repo.version_manifest(ws.id, ws.latest_version) \
        if ws.latest_version else {}
    version = await publishing.record(uow, ws, req, publishing.new_version(
        ws, req, pending.content_hash, OriginType.DRAFT, 0, pending.reviewed_revision,
        len(manifest), len(draft_delta.between(production, manifest))),
        draft_delta.between(latest, manifest))
    rollout_id = ""
    if pending.rollout is not None:
        r = pending.rollout
        started = await rollouts.begin(uow.repo, ws, rollouts.StartRollout(
            ws.id, version.number, r.steps, r.every_seconds, r.channels, r.guards,
            pending.created_by))
        rollout_id = started.rollout_id
    return pending.finished(ScheduleState.DONE, at, version=version.number,
                            rollout_id=rollout_id, reason="PUBLISHED",
                            outcome=f"published v{version.number}")


async def _fail(uowf: UnitOfWorkFactory, workspace_id: str, schedule_id: str,
                error: AgentConfigError, at: datetime) -> Schedule | None:
    async with uowf() as uow:
        claimed = await _claim(uow, workspace_id, schedule_id)
        if claimed is None:
            return None
        failed = claimed[1].finished(ScheduleState.FAILED, at, reason=error.reason,
                                  outcome=error.message)
        await uow.repo.save_schedule(failed)
        await uow.commit()
    log.warning("scheduled publish %s of %s failed: %s", schedule_id, workspace_id,
                error.message)
    return failed


class ScheduleRunner(Periodic):
    """``run_due`` every ``interval`` seconds, in every instance."""

    def __init__(self, uowf: UnitOfWorkFactory, announcer: Announcer, interval: float,
                 grace: timedelta) -> None:
        super().__init__("schedule-runner", lambda: run_due(uowf, announcer, grace),
                         interval)
