"""Limiting a deploy's blast radius from the console: a staged rollout started on the
publish confirmation, followed live on the Rollouts page, advanced, promoted (Production
moves) or aborted (Production stays); a publish scheduled a few seconds ahead runs, another
is cancelled; bad input is shown next to its field; a viewer is offered none of it, and a
POST without the CSRF token is refused on every new endpoint."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp
from playwright.sync_api import Page, expect

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import rollouts_pb2 as ropb
from agentconfig.v1 import schedules_pb2 as spb
from tests.browser.conftest import SignIn
from tests.browser.topology import Topology, Workspace, auth


def _edit_draft(topo: Topology, ws: Workspace, temperature: float) -> int:
    """A Draft change through the API, so there is something to publish."""
    found = topo.stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws.workspace_id, kind=pb.ENTITY_KIND_AGENT, entity_id="refunds"),
        metadata=auth())
    entity = found.entity.entity
    entity.agent.temperature = temperature
    return int(topo.stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws.workspace_id, entity=entity, etag=found.entity.etag),
        metadata=auth()).draft_revision)


def _versions(topo: Topology, ws: Workspace) -> int:
    return len(topo.stub.ListVersions(cpb.ListVersionsRequest(
        workspace_id=ws.workspace_id), metadata=auth()).versions)


def _confirm_page(page: Page, revision: int) -> None:
    page.goto(f"/publish?revision={revision}")
    expect(page.locator("#reviewed")).to_have_text(str(revision))
    page.get_by_label("Message").fill("careful change")


def _stage(page: Page, revision: int, steps: str, channels: str = "") -> None:
    _confirm_page(page, revision)
    page.locator("#mode-staged").check()
    page.get_by_label("Steps").fill(steps)
    page.get_by_label("Only on channels").fill(channels)
    page.locator("#confirm-publish").click()


def _production(page: Page) -> str:
    page.goto("/")
    return page.locator("#production").inner_text()


def _act(page: Page, action: str) -> None:
    page.locator(f"#{action}").click()
    page.locator(f"#confirm-{action}").click()
    page.wait_for_url(re.compile(r"/rollouts$"))


def test_staged_rollout_advanced_live_and_promoted(sign_in: SignIn, topo: Topology,
                                                   ws: Workspace) -> None:
    revision = _edit_draft(topo, ws, 0.3)
    page = sign_in("publisher")
    _stage(page, revision, "1,10,50")
    page.wait_for_url(re.compile(r"/rollouts$"))
    current = page.locator("#current-rollout")
    expect(current).to_contain_text("v2 vs Production v1")
    expect(page.locator("#rollout-share")).to_have_text("1%")
    expect(page.locator("#rollout-state")).to_have_text("active")
    expect(page.locator("#rollout-channels")).to_have_text("all channels")
    rollout_id = page.locator("#rollout-list tbody tr").first.get_attribute(
        "data-rollout") or ""
    topo.stub.AdvanceRollout(ropb.AdvanceRolloutRequest(  # someone else moves it: live
        workspace_id=ws.workspace_id, rollout_id=rollout_id), metadata=auth())
    expect(page.locator("#rollout-share")).to_have_text("10%")
    _act(page, "advance")
    expect(page.locator("#rollout-share")).to_have_text("50%")
    expect(page.locator("#advance")).to_have_count(0)  # the last step: nothing to advance to
    assert _production(page) == "v1"
    page.goto("/rollouts")
    _act(page, "promote")
    expect(page.locator("#rollout-state")).to_have_text("promoted")
    expect(page.locator("#promote")).to_have_count(0)
    assert _production(page) == "v2"
    page.goto("/history")
    expect(page.locator("#v2")).to_contain_text("careful change")


def test_abort_leaves_production_and_bad_input_is_shown_at_its_field(
        sign_in: SignIn, topo: Topology, ws: Workspace) -> None:
    revision = _edit_draft(topo, ws, 0.11)
    page = sign_in("publisher")
    _stage(page, revision, "50,10")  # checked before anything is written
    expect(page.locator("#steps-problems")).to_contain_text("rise")
    expect(page.get_by_label("Steps")).to_have_value("50,10")  # kept for fixing
    assert _versions(topo, ws) == 1
    _stage(page, revision, "5,20", channels="no-such-channel")  # the server's violation
    expect(page.locator("#channels-problems")).to_contain_text("does not exist")
    expect(page.locator("[role=alert]").first).to_contain_text("Production did not move")
    page.get_by_label("Only on channels").fill("")
    page.locator("#confirm-publish").click()  # the same form again: the same staged version
    page.wait_for_url(re.compile(r"/rollouts$"))
    expect(page.locator("#rollout-share")).to_have_text("5%")
    assert _versions(topo, ws) == 2
    _act(page, "abort")
    expect(page.locator("#rollout-state")).to_have_text("aborted")
    expect(page.locator("#current-rollout")).to_contain_text("aborted from the console")
    assert _production(page) == "v1"
    _schedule(page, revision, datetime.now(UTC) + timedelta(seconds=3), steps="20")
    page.wait_for_url(re.compile(r"/schedules$"))
    _wait_done(page)  # staged at its time, and a rollout started on it
    expect(page.locator("#schedule-list tbody tr").first).to_contain_text("rollout")
    page.goto("/rollouts")
    expect(page.locator("#current-rollout")).to_contain_text("v3 vs Production v1")
    expect(page.locator("#rollout-share")).to_have_text("20%")


def _schedule(page: Page, revision: int, at: datetime, steps: str = "") -> None:
    _confirm_page(page, revision)
    if steps:
        page.get_by_label("Steps").fill(steps)
        page.locator("#at-staged").check()
    page.locator("#mode-at").check()
    page.get_by_label("Publish at (UTC)").fill(at.strftime("%Y-%m-%dT%H:%M:%S"))
    page.locator("#confirm-publish").click()


def test_scheduled_publish_runs_and_another_is_cancelled(sign_in: SignIn, topo: Topology,
                                                         ws: Workspace) -> None:
    revision = _edit_draft(topo, ws, 0.12)
    page = sign_in("publisher")
    _schedule(page, revision, datetime.now(UTC) - timedelta(minutes=5))
    expect(page.locator("#run_at-problems")).to_contain_text("future")  # the server's rule
    _schedule(page, revision, datetime.now(UTC) + timedelta(hours=1))
    page.wait_for_url(re.compile(r"/schedules$"))
    later = page.locator("#schedule-list tbody tr").first
    expect(later.locator(".state")).to_have_text("pending")
    later.get_by_role("button", name="Cancel").click()
    expect(page.locator("#schedule-list tbody tr").first.locator(".state")).to_have_text(
        "cancelled")
    _schedule(page, revision, datetime.now(UTC) + timedelta(seconds=4))
    page.wait_for_url(re.compile(r"/schedules$"))
    _wait_done(page)
    expect(page.locator("#schedule-list tbody tr").first).to_contain_text("v2")
    assert _production(page) == "v2"


def _wait_done(page: Page) -> None:
    """The Schedules page, reloaded until its newest schedule has run."""
    soon = page.locator("#schedule-list tbody tr").first.locator(".state")
    expect(soon).to_have_text("pending")
    for _ in range(40):
        page.wait_for_timeout(500)
        page.reload()
        if soon.inner_text() == "done":
            break
    expect(soon).to_have_text("done")


def test_viewer_is_offered_none_and_posts_need_the_csrf_token(
        sign_in: SignIn, topo: Topology, ws: Workspace) -> None:
    revision = _edit_draft(topo, ws, 0.13)
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    schedule = topo.stub.SchedulePublish(spb.SchedulePublishRequest(
        workspace_id=ws.workspace_id, reviewed_revision=revision, run_time=stamp,
        message="later"), metadata=auth()).schedule
    staged = topo.stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws.workspace_id, reviewed_revision=revision, message="staged",
        stage_only=True), metadata=auth()).version
    rollout = topo.stub.StartRollout(ropb.StartRolloutRequest(
        workspace_id=ws.workspace_id, candidate_version=staged.number,
        steps_bp=[1000, 5000]), metadata=auth()).rollout
    viewer = sign_in("viewer")
    viewer.goto("/rollouts")
    expect(viewer.locator("#rollout-share")).to_have_text("10%")
    for action in ("advance", "promote", "abort"):
        expect(viewer.locator(f"#{action}")).to_have_count(0)
    viewer.goto("/schedules")
    expect(viewer.locator(f"[data-schedule='{schedule.schedule_id}']")).to_be_visible()
    expect(viewer.get_by_role("button", name="Cancel")).to_have_count(0)
    token = viewer.locator("meta[name=csrf-token]").get_attribute("content") or ""
    posts = [f"/rollouts/{rollout.rollout_id}/{a}" for a in ("advance", "promote", "abort")]
    posts.append(f"/schedules/{schedule.schedule_id}/cancel")
    for path in posts:  # the viewer with its token: refused by role
        assert viewer.request.post(path, headers={"X-CSRF-Token": token}).status == 403
    page = sign_in("publisher")
    for path in posts:  # the publisher without a token: refused before any route
        assert page.request.post(path, form={"expected_sequence": "0"}).status == 403
    for mode in ("staged", "at"):
        assert page.request.post("/publish", form={
            "mode": mode, "reviewed_revision": str(revision), "message": "x",
            "steps": "10", "run_at": "2099-01-01T00:00"}).status == 403
    found = topo.stub.GetRollout(ropb.GetRolloutRequest(
        workspace_id=ws.workspace_id, rollout_id=rollout.rollout_id), metadata=auth())
    assert found.rollout.phase == ropb.ROLLOUT_PHASE_ACTIVE
    assert found.rollout.share_bp == 1000
    listed = topo.stub.ListSchedules(spb.ListSchedulesRequest(
        workspace_id=ws.workspace_id), metadata=auth()).schedules
    assert [s.state for s in listed] == [spb.SCHEDULE_STATE_PENDING]
