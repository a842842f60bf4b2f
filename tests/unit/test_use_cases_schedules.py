"""Scheduled publishes on both engines: the reviewed content is frozen (later Draft edits do
not slip in), it runs once however many runners race, a missed time is marked missed, a
refused run is marked failed and never retried, cancel, and a scheduled rollout."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from agentconfig.errors import Conflict, FailedPrecondition, InvalidArgument, NothingToPublish
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.domain.schedules import Schedule, ScheduledRollout, ScheduleState
from config_service.service import history, rollout_reads, rollouts, schedule_runner, schedules
from config_service.service.common import now
from config_service.service.schedules import ScheduleRequest
from tests.unit.rollout_helpers import req, staged
from tests.unit.use_case_helpers import RecordingAnnouncer, draft_with_agent, edit_agent, publish

GRACE = timedelta(hours=1)


async def _scheduled(uowf: SqlUnitOfWorkFactory, ws: str,
                     rollout: ScheduledRollout | None = None) -> Schedule:
    """v1 in Production, an edit reviewed, and its publish scheduled a minute ahead."""
    await publish(uowf, ws, await draft_with_agent(uowf, ws))
    revision = await edit_agent(uowf, ws, "Be brief.")
    return await schedules.schedule_publish(uowf, ScheduleRequest(
        ws, revision, now() + timedelta(minutes=1), "scheduled", "ann", rollout))


async def _run(uowf: SqlUnitOfWorkFactory, schedule: Schedule,
               late: timedelta = timedelta(seconds=1)) -> list[Schedule]:
    return await schedule_runner.run_due(uowf, RecordingAnnouncer(), GRACE,
                                         schedule.run_at + late)


async def test_runs_the_frozen_content_once(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    planned = await _scheduled(uowf, ws_id)
    assert planned.state is ScheduleState.PENDING
    await edit_agent(uowf, ws_id, "Edited after scheduling: must not be published.")
    assert await schedule_runner.run_due(uowf, RecordingAnnouncer(), GRACE,
                                         planned.run_at - timedelta(seconds=1)) == []
    [done] = await _run(uowf, planned)
    assert (done.state, done.result_version, done.outcome_reason) == (
        ScheduleState.DONE, 2, "PUBLISHED")
    production, snapshot = await history.get_production(uowf, ws_id, True)
    assert production.number == 2 and production.content_hash == planned.content_hash
    assert snapshot is not None
    assert snapshot.specs[("agent", "support")]["instructions"] == "Be brief."
    assert await _run(uowf, planned, timedelta(minutes=5)) == []  # never twice


async def test_racing_runners_publish_once(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    planned = await _scheduled(uowf, ws_id)
    results = await asyncio.gather(*(_run(uowf, planned) for _ in range(4)))
    assert sum(len(r) for r in results) == 1
    versions, _ = await history.list_versions(uowf, ws_id, 10, "")
    assert [v.number for v in versions] == [2, 1]


async def test_a_missed_time_is_marked_missed(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    planned = await _scheduled(uowf, ws_id)
    [missed] = await _run(uowf, planned, GRACE + timedelta(seconds=1))
    assert (missed.state, missed.result_version) == (ScheduleState.MISSED, 0)
    versions, _ = await history.list_versions(uowf, ws_id, 10, "")
    assert [v.number for v in versions] == [1]


async def test_a_refused_run_fails_and_is_not_retried(uowf: SqlUnitOfWorkFactory,
                                                      ws_id: str) -> None:
    await staged(uowf, ws_id)  # v2 is a candidate
    await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))
    revision = await edit_agent(uowf, ws_id, "Third.")
    planned = await schedules.schedule_publish(uowf, ScheduleRequest(
        ws_id, revision, now() + timedelta(minutes=1), "v3", "ann"))
    [failed] = await _run(uowf, planned)
    assert (failed.state, failed.outcome_reason) == (ScheduleState.FAILED, "ROLLOUT_ACTIVE")
    assert await _run(uowf, planned, timedelta(minutes=2)) == []
    versions, _ = await history.list_versions(uowf, ws_id, 10, "")
    assert versions[0].number == 2


async def test_cancel(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    planned = await _scheduled(uowf, ws_id)
    cancelled = await schedules.cancel(uowf, ws_id, planned.schedule_id, "bob")
    assert cancelled.state is ScheduleState.CANCELLED
    assert await _run(uowf, planned) == []
    with pytest.raises(FailedPrecondition) as exc:
        await schedules.cancel(uowf, ws_id, planned.schedule_id, "bob")
    assert exc.value.reason == "SCHEDULE_NOT_PENDING"
    listed, _ = await schedules.list_schedules(uowf, ws_id, 10, "")
    assert [s.state for s in listed] == [ScheduleState.CANCELLED]


async def test_a_scheduled_rollout_stages_and_starts(uowf: SqlUnitOfWorkFactory,
                                                     ws_id: str) -> None:
    planned = await _scheduled(uowf, ws_id, ScheduledRollout((1000, 10_000)))
    [done] = await _run(uowf, planned)
    rollout, _ = await rollout_reads.get(uowf, ws_id)
    assert (done.result_version, done.rollout_id) == (2, rollout.rollout_id)
    assert (rollout.candidate_version, rollout.baseline_version, rollout.share_bp) == (
        2, 1, 1000)
    production, _ = await history.get_production(uowf, ws_id, False)
    assert production.number == 1


async def test_bad_schedules_are_refused(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await publish(uowf, ws_id, await draft_with_agent(uowf, ws_id))
    revision = await edit_agent(uowf, ws_id, "Be brief.")
    soon = now() + timedelta(minutes=1)
    cases = [(ScheduleRequest(ws_id, revision, now() - timedelta(seconds=1), "m", "a"),
              InvalidArgument), (ScheduleRequest(ws_id, revision - 1, soon, "m", "a"), Conflict),
             (ScheduleRequest(ws_id, revision, soon, "m", "a", ScheduledRollout(())),
              InvalidArgument)]
    for request, error in cases:
        with pytest.raises(error):
            await schedules.schedule_publish(uowf, request)
    await publish(uowf, ws_id, revision)
    with pytest.raises(NothingToPublish):
        await schedules.schedule_publish(uowf, ScheduleRequest(ws_id, revision, soon, "m", "a"))
