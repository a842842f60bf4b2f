"""The rollout controller on both engines: scheduled steps one at a time, guards that trip
abort with their figures, guards within bounds do nothing, and two controllers racing on the
same rollout take each decision once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from agentconfig.rollout_guards import OutcomeCounts
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.domain.rollouts import Phase
from config_service.service import audit, rollout_controller, rollout_reads, rollouts
from tests.unit.rollout_helpers import req, staged
from tests.unit.use_case_helpers import RecordingAnnouncer

GUARD = "error_rate > production + 2%, min 10"


async def _report(uowf: SqlUnitOfWorkFactory, ws: str, rollout_id: str, candidate: int,
                  production: int) -> None:
    """100 turns over 20 conversations on each side, with these many errors."""
    await rollout_reads.report_outcomes(uowf, ws, rollout_id, "rt-1", [
        (2, OutcomeCounts(20, 100, candidate)), (1, OutcomeCounts(20, 100, production))])


async def test_scheduled_steps_move_one_at_a_time(uowf: SqlUnitOfWorkFactory,
                                                  ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, every_seconds=60))
    t0 = started.step_started_at
    told = RecordingAnnouncer()
    assert await rollout_controller.tick(uowf, told, t0 + timedelta(seconds=59)) == []
    first = await rollout_controller.tick(uowf, told, t0 + timedelta(seconds=60))
    assert [(d.action, d.detail) for d in first] == [("step", "step 1: 50 %")]
    assert await rollout_controller.tick(uowf, told, t0 + timedelta(seconds=61)) == []
    later = t0 + timedelta(seconds=60 + 3600)
    assert len(await rollout_controller.tick(uowf, told, later)) == 1  # one step per tick
    assert await rollout_controller.tick(uowf, told, later + timedelta(days=1)) == []  # last
    current, _ = await rollout_reads.get(uowf, ws_id)
    assert (current.step_index, current.share_bp, current.phase) == (2, 10_000, Phase.ACTIVE)
    assert told.pokes == 2


async def test_by_hand_rollouts_are_left_alone(uowf: SqlUnitOfWorkFactory,
                                               ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))
    far = started.step_started_at + timedelta(days=30)
    assert await rollout_controller.tick(uowf, RecordingAnnouncer(), far) == []


async def test_a_tripped_guard_aborts_with_its_figures(uowf: SqlUnitOfWorkFactory,
                                                       ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, guards=(GUARD,)))
    await _report(uowf, ws_id, started.rollout_id, candidate=10, production=2)
    decisions = await rollout_controller.tick(uowf, RecordingAnnouncer())
    assert [d.action for d in decisions] == ["abort"]
    ended, outcomes = await rollout_reads.get(uowf, ws_id, started.rollout_id)
    assert ended.phase == Phase.ABORTED and ended.ended_by == "rollout-controller"
    assert "candidate 10.00% over 20 conversations, production 2.00%" in ended.end_reason
    assert ended.end_figures["candidate_rate"] == 0.1
    assert outcomes[2] == OutcomeCounts(20, 100, 10)
    events, _ = await audit.list_events(uowf, ws_id, 1, "")
    assert (events[0].action, events[0].details["automatic"]) == ("rollout.abort", True)


async def test_a_guard_within_bounds_does_nothing(uowf: SqlUnitOfWorkFactory,
                                                  ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, guards=(GUARD,)))
    await _report(uowf, ws_id, started.rollout_id, candidate=4, production=2)  # +2 points
    assert await rollout_controller.tick(uowf, RecordingAnnouncer()) == []
    assert (await rollout_reads.get(uowf, ws_id))[0].phase == Phase.ACTIVE


async def test_racing_controllers_decide_once(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, every_seconds=60))
    at = started.step_started_at + timedelta(seconds=90)
    results = await asyncio.gather(*(rollout_controller.tick(uowf, RecordingAnnouncer(), at)
                                     for _ in range(4)))
    assert sum(len(r) for r in results) == 1
    current, _ = await rollout_reads.get(uowf, ws_id)
    assert (current.step_index, current.sequence) == (1, started.sequence + 1)


class _CountingWrites:
    """The unit-of-work factory, counting the units that may write (and so lock)."""

    def __init__(self, inner: SqlUnitOfWorkFactory) -> None:
        self.inner, self.writable = inner, 0

    def __call__(self, *, read_only: bool = False) -> object:
        self.writable += not read_only
        return self.inner(read_only=read_only)


async def test_a_pass_with_nothing_due_takes_no_lock(uowf: SqlUnitOfWorkFactory,
                                                     ws_id: str) -> None:
    """An active rollout must not take its workspace's lock every tick against publishes
    and edits: only a due step or a tripped guard does."""
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(),
                                   req(ws_id, every_seconds=60, guards=(GUARD,)))
    await _report(uowf, ws_id, started.rollout_id, candidate=4, production=2)  # in bounds
    counting = _CountingWrites(uowf)
    t0 = started.step_started_at
    for seconds in (1, 30, 59):
        assert await rollout_controller.tick(counting, RecordingAnnouncer(),  # type: ignore[arg-type]
                                             t0 + timedelta(seconds=seconds)) == []
    assert counting.writable == 0
    stepped = await rollout_controller.tick(counting, RecordingAnnouncer(),  # type: ignore[arg-type]
                                            t0 + timedelta(seconds=60))
    assert [d.action for d in stepped] == ["step"] and counting.writable == 1
