"""Staged rollouts on both engines: start, step, promote, abort; one at a time; forward-only
sequences; stale sequences refused; outbox notices and audit events with every change; and
outcome counts that a repeated or late report never lowers."""

from __future__ import annotations

import pytest

from agentconfig.errors import Conflict, FailedPrecondition, InvalidArgument, NotFound
from agentconfig.rollout_guards import OutcomeCounts
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.domain.rollouts import Phase
from config_service.service import (
    audit,
    channels,
    publishing,
    rollout_moves,
    rollout_reads,
    rollouts,
    workspaces,
)
from config_service.service.channels import ChannelInput
from tests.unit.rollout_helpers import req, staged
from tests.unit.use_case_helpers import (
    RecordingAnnouncer,
    RecordingChannels,
    draft_with_agent,
    edit_agent,
    publish,
)


async def _notices(uowf: SqlUnitOfWorkFactory, ws: str) -> list[tuple[int, int]]:
    async with uowf() as uow:
        conn = uow.repo._conn  # type: ignore[attr-defined]
        rows = (await conn.execute(t.outbox.select().where(t.outbox.c.workspace_id == ws)
                                   .order_by(t.outbox.c.id))).mappings().all()
    return [(r["version"], r["rollout_sequence"]) for r in rows]


async def test_start_step_promote(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await staged(uowf, ws_id)
    told = RecordingAnnouncer()
    started = await rollouts.start(uowf, told, req(ws_id))
    assert (started.sequence, started.share_bp, started.baseline_version, started.phase) == (
        1, 1000, 1, Phase.ACTIVE)
    stepped = await rollout_moves.step(uowf, told, ws_id, started.rollout_id, None, "ann")
    assert (stepped.sequence, stepped.step_index, stepped.share_bp) == (2, 1, 5000)
    promoted = await rollout_moves.promote(uowf, told, ws_id, started.rollout_id, "bob", 2)
    assert (promoted.sequence, promoted.phase, promoted.share_bp) == (3, Phase.PROMOTED, 0)
    assert (await workspaces.get_workspace(uowf, ws_id)).production_version == 2
    assert told.pokes == 3
    assert (await _notices(uowf, ws_id))[-4:] == [(1, 1), (1, 2), (2, 0), (2, 3)]
    events, _ = await audit.list_events(uowf, ws_id, 10, "")
    assert [e.action for e in events][:4] == ["rollout.promote", "version.promote",
                                              "rollout.step", "rollout.start"]
    assert (await rollout_reads.get(uowf, ws_id))[0].phase == Phase.PROMOTED


async def test_abort_sends_everyone_back(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))
    aborted = await rollout_moves.abort(uowf, RecordingAnnouncer(), ws_id, started.rollout_id,
                                   "bob", "replies too long")
    assert (aborted.phase, aborted.share_bp, aborted.end_reason, aborted.state().active) == (
        Phase.ABORTED, 0, "replies too long", False)
    assert (await workspaces.get_workspace(uowf, ws_id)).production_version == 1
    with pytest.raises(FailedPrecondition) as exc:
        await rollout_moves.promote(uowf, RecordingAnnouncer(), ws_id, started.rollout_id, "bob")
    assert exc.value.reason == "ROLLOUT_ENDED"
    again = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))  # one at a time
    assert again.sequence == aborted.sequence + 1


async def test_one_rollout_at_a_time_and_stale_sequences(uowf: SqlUnitOfWorkFactory,
                                                         ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))
    with pytest.raises(FailedPrecondition) as exc:
        await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))
    assert exc.value.reason == "ROLLOUT_ACTIVE"
    await rollout_moves.step(uowf, RecordingAnnouncer(), ws_id, started.rollout_id, None, "ann")
    with pytest.raises(Conflict) as stale:
        await rollout_moves.abort(uowf, RecordingAnnouncer(), ws_id, started.rollout_id, "bob",
                             expected_sequence=started.sequence)
    assert stale.value.reason == "STALE_SEQUENCE"
    await rollout_moves.step(uowf, RecordingAnnouncer(), ws_id, started.rollout_id, 2, "ann")
    with pytest.raises(FailedPrecondition) as last:
        await rollout_moves.step(uowf, RecordingAnnouncer(), ws_id, started.rollout_id, None, "ann")
    assert last.value.reason == "LAST_STEP"


@pytest.mark.parametrize("kw, field, reason", [
    ({"steps": ()}, "steps", "BAD_STEPS"),
    ({"steps": (5000, 1000)}, "steps", "BAD_STEPS"),
    ({"steps": (0,)}, "steps", "BAD_STEPS"),
    ({"every_seconds": -1}, "every_seconds", "BAD_DURATION"),
    ({"channels": ("web", "web")}, "channels", "BAD_CHANNELS"),
    ({"channels": ("nope",)}, "channels[0]", "UNKNOWN_CHANNEL"),
    ({"guards": ("latency > 5%",)}, "guards[0]", "BAD_GUARD"),
    ({"candidate_version": 0}, "candidate_version", "BAD_VERSION"),
])
async def test_bad_rollouts_are_refused(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                        kw: dict[str, object], field: str, reason: str) -> None:
    await staged(uowf, ws_id)
    with pytest.raises(InvalidArgument) as exc:
        await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, **kw))
    assert [(v.field, v.reason) for v in exc.value.violations] == [(field, reason)]


async def test_candidate_must_exist_and_be_newer(uowf: SqlUnitOfWorkFactory,
                                                 ws_id: str) -> None:
    await staged(uowf, ws_id)
    with pytest.raises(NotFound):
        await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, candidate_version=3))
    with pytest.raises(FailedPrecondition) as exc:
        await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, candidate_version=1))
    assert exc.value.reason == "CANDIDATE_NOT_NEWER"


async def test_channels_must_exist(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await staged(uowf, ws_id)
    await channels.create_channel(uowf, RecordingChannels(), ws_id,
                                  ChannelInput("web", "Web", "web_widget", "agent", "support"))
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id, channels=("web",)))
    assert started.state().covers("web") and not started.state().covers("whatsapp")


async def test_outcome_counts_are_cumulative_per_reporter(uowf: SqlUnitOfWorkFactory,
                                                          ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))
    rid = started.rollout_id
    reports = [("rt-1", 2, OutcomeCounts(10, 20, 2)), ("rt-1", 2, OutcomeCounts(12, 25, 3)),
               ("rt-1", 2, OutcomeCounts(11, 22, 2)),  # late: never lowers a total
               ("rt-2", 2, OutcomeCounts(5, 5, 1)), ("rt-2", 1, OutcomeCounts(50, 90, 1))]
    for reporter, version, counts in reports:
        async with uowf() as uow:
            await uow.repo.put_outcomes(ws_id, rid, reporter, version, counts)
            await uow.commit()
    async with uowf(read_only=True) as uow:
        totals = await uow.repo.outcome_totals(ws_id, rid)
    assert totals == {2: OutcomeCounts(17, 30, 4), 1: OutcomeCounts(50, 90, 1)}


async def test_a_staged_publish_leaves_production_and_announces_nothing(
        uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await staged(uowf, ws_id)
    ws = await workspaces.get_workspace(uowf, ws_id)
    assert (ws.production_version, ws.latest_version) == (1, 2)
    assert await _notices(uowf, ws_id) == [(1, 0)]
    events, _ = await audit.list_events(uowf, ws_id, 1, "")
    assert events[0].action == "version.stage"


async def test_production_does_not_move_under_a_rollout(uowf: SqlUnitOfWorkFactory,
                                                       ws_id: str) -> None:
    await staged(uowf, ws_id)
    started = await rollouts.start(uowf, RecordingAnnouncer(), req(ws_id))
    revision = await edit_agent(uowf, ws_id, "Something else.")
    live = publishing.PublishRequest(ws_id, "v3", "ann", "", reviewed_revision=revision)
    back = publishing.PublishRequest(ws_id, "back", "ann", "", restore_version=1)
    for request in (live, back):
        with pytest.raises(FailedPrecondition) as exc:
            await publishing.publish(uowf, RecordingAnnouncer(), request)
        assert exc.value.reason == "ROLLOUT_ACTIVE"
    v3 = await publishing.publish(uowf, RecordingAnnouncer(), publishing.PublishRequest(
        ws_id, "v3", "ann", "", reviewed_revision=revision, abort_rollout=True))
    ended, _ = await rollout_reads.get(uowf, ws_id, started.rollout_id)
    assert (ended.phase, ended.end_reason) == (Phase.ABORTED, "aborted by a publish of the Draft")
    ws = await workspaces.get_workspace(uowf, ws_id)
    assert (ws.production_version, v3.number, v3.previous_version) == (3, 3, 1)


async def test_a_staged_retry_is_not_a_live_publish(uowf: SqlUnitOfWorkFactory,
                                                    ws_id: str) -> None:
    await publish(uowf, ws_id, await draft_with_agent(uowf, ws_id))
    revision = await edit_agent(uowf, ws_id, "Be brief.")
    req = publishing.PublishRequest(ws_id, "m", "ann", "req-1", reviewed_revision=revision,
                                    stage_only=True)
    staged = await publishing.publish(uowf, RecordingAnnouncer(), req)
    assert await publishing.publish(uowf, RecordingAnnouncer(), req) == staged
    with pytest.raises(InvalidArgument) as exc:
        await publishing.publish(uowf, RecordingAnnouncer(), publishing.PublishRequest(
            ws_id, "m", "ann", "req-1", reviewed_revision=revision))
    assert exc.value.violations[0].reason == "REQUEST_ID_REUSED"
