"""Scheduling a publish: the reviewed Draft revision is checked as a publish would check it
now (not stale, something to publish, valid, the test gate, the two-person rule) and its
content frozen as a manifest, so what runs later is exactly what was reviewed. Listing and
cancelling; schedule_runner.py runs them."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentconfig.errors import Conflict, FailedPrecondition, NotFound, ResourceExhausted, invalid
from config_service.domain import limits as L
from config_service.domain.schedules import Schedule, ScheduledRollout, ScheduleState
from config_service.service import audit, draft_delta, paging, publishing, rollouts
from config_service.service.common import check_author, now, workspace
from config_service.service.ports import UnitOfWorkFactory
from config_service.service.suite_gate import require_passing_tests

MAX_PENDING = 20
MAX_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class ScheduleRequest:
    workspace_id: str
    reviewed_revision: int
    run_at: datetime
    message: str
    author: str
    rollout: ScheduledRollout | None = None


def _check(req: ScheduleRequest, at: datetime) -> None:
    check_author(req.author)
    publishing.check_text("message", req.message, L.MAX_MESSAGE)
    if req.reviewed_revision <= 0:
        raise invalid("reviewed_revision", "is required: the Draft revision you reviewed",
                      "REQUIRED")
    if not at < req.run_at <= at + MAX_AHEAD:
        raise invalid("run_time", "must be in the future, at most a year ahead", "BAD_TIME")
    if req.rollout is not None:
        r = req.rollout
        rollouts.check_start(rollouts.StartRollout(req.workspace_id, 1, r.steps,
                                                   r.every_seconds, r.channels, r.guards))


async def schedule_publish(uowf: UnitOfWorkFactory, req: ScheduleRequest) -> Schedule:
    at = now()
    _check(req, at)
    async with uowf() as uow:
        ws = await workspace(uow.repo, req.workspace_id, lock=True)
        if req.reviewed_revision != ws.draft_revision:
            raise Conflict(f"the Draft is at revision {ws.draft_revision} but you reviewed "
                           f"revision {req.reviewed_revision}: review the diff again",
                           reason="STALE_REVISION",
                           metadata={"current_revision": str(ws.draft_revision)})
        if await uow.repo.count_pending_schedules(ws.id) >= MAX_PENDING:
            raise ResourceExhausted(f"at most {MAX_PENDING} pending schedules per workspace",
                                    reason="TOO_MANY_SCHEDULES")
        count, content_hash = await uow.repo.draft_digest(ws.id)
        publishing.refuse_empty(count)
        changes = await draft_delta.changes(uow.repo, ws)
        if not changes:
            raise publishing.unchanged(ws)
        publishing.refuse_invalid(await draft_delta.validate(uow.repo, ws, changes))
        await require_passing_tests(uow.repo, ws)
        publishing.two_person_rule(ws, publishing.PublishRequest(
            ws.id, req.message, req.author, "", reviewed_revision=req.reviewed_revision),
            changes)
        schedule = Schedule(ws.id, f"s-{secrets.token_hex(8)}", req.run_at,
                            req.reviewed_revision, content_hash, count, req.message,
                            audit.actor(req.author), at, req.rollout)
        await uow.repo.add_schedule(schedule, await uow.repo.draft_manifest(ws.id))
        await audit.record(uow.repo, ws.id, "schedule.create", schedule.schedule_id, {
            "run_at": req.run_at.isoformat(), "reviewed_revision": req.reviewed_revision,
            "content_hash": content_hash, "rollout": req.rollout is not None},
            author=req.author)
        await uow.commit()
    return schedule


async def list_schedules(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                         ) -> tuple[list[Schedule], str]:
    limit = paging.page_size(size)
    query = ["schedules", workspace_id]
    offset = paging.offset(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_schedules(ws.id, offset, limit + 1)
    more = len(rows) > limit
    return rows[:limit], paging.encode(offset + limit, query) if more else ""


async def cancel(uowf: UnitOfWorkFactory, workspace_id: str, schedule_id: str,
                 author: str) -> Schedule:
    check_author(author)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)  # the runner's lock too
        found = await uow.repo.get_schedule(ws.id, schedule_id) if schedule_id else None
        if found is None:
            shown = rollouts.clip(schedule_id)
            raise NotFound(f"schedule {shown!r} not found in workspace {ws.id!r}",
                           reason="SCHEDULE_NOT_FOUND", metadata={"schedule_id": shown})
        if found.state is not ScheduleState.PENDING:
            raise FailedPrecondition(f"schedule {schedule_id} is {found.state.value}, not "
                                     "pending", reason="SCHEDULE_NOT_PENDING",
                                     metadata={"state": found.state.value})
        cancelled = found.finished(ScheduleState.CANCELLED, now(), reason="CANCELLED",
                                   outcome=f"cancelled by {audit.actor(author)}")
        await uow.repo.save_schedule(cancelled)
        await audit.record(uow.repo, ws.id, "schedule.cancel", schedule_id, {},
                           author=author)
        await uow.commit()
    return cancelled
