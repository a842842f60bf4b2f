"""The rest of what a builder and an admin click: the one-step rollback with its
confirmation, a channel created and deleted (live data), a key created (its secret shown
once) and revoked, the audit log naming what happened, and a Draft entity created and
deleted through the console, and the history's second page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.browser.conftest import SignIn
from tests.browser.test_access import _edit_draft
from tests.browser.topology import Topology, Workspace, auth


def test_one_step_rollback(sign_in: SignIn, topo: Topology, ws: Workspace) -> None:
    page = sign_in("publisher")
    _edit_draft(topo, ws)
    page.goto("/review")
    page.locator("#publish").click()
    page.get_by_label("Message").fill("warmer refunds")
    page.locator("#confirm-publish").click()
    expect(page.locator("#rollout-done")).to_be_visible()
    page.goto("/history")
    page.locator("#v1").get_by_role("link", name="Roll back to v1").click()
    expect(page.locator("[data-entity='agent/refunds']")).to_contain_text("temperature")
    page.locator("#confirm-rollback").click()
    expect(page).to_have_url(re.compile(r"/rollout/3$"))
    expect(page.locator("#rollout-done")).to_be_visible()
    page.goto("/history")
    expect(page.locator("#v3 .origin")).to_have_text("rollback to v1")


def test_admin_pages(sign_in: SignIn) -> None:
    page = sign_in("admin")
    page.goto("/channels")
    page.get_by_label("Id", exact=True).fill("site")
    page.get_by_label("Agent or squad id").fill("front-desk")
    page.get_by_role("button", name="Create channel").click()
    row = page.get_by_role("row").filter(has_text="site")
    expect(row).to_contain_text("squad/front-desk")
    page.on("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("row").filter(has_text="site")).to_have_count(0)

    page.goto("/keys")
    page.get_by_label("Name").fill("ci bot")
    page.get_by_label("Role").select_option("viewer")
    page.get_by_role("button", name="Create key").click()
    expect(page.locator("#new-secret")).to_have_text(re.compile(r"^agc_"))
    page.reload()  # the create answered with a redirect: a reload posts nothing again
    expect(page.locator("#new-secret")).to_have_count(0)  # shown once only
    expect(page.get_by_role("row").filter(has_text="ci bot")).to_have_count(1)
    key = page.get_by_role("row").filter(has_text="ci bot")
    key.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("row").filter(has_text="ci bot")).to_contain_text("revoked")

    page.goto("/audit")
    expect(page.locator("main")).to_contain_text("api_key.revoke")
    expect(page.locator("main")).to_contain_text("channel.create")


def test_create_and_delete_an_entity(sign_in: SignIn) -> None:
    page = sign_in("editor")
    page.goto("/draft/new")
    page.get_by_label("Kind").select_option("voice")
    page.get_by_label("Id").fill("calm")
    page.get_by_label("Spec (YAML)").fill("provider_id: prov-tts\nvoice_name: Calm\n"
                                          "speed: 9\n")
    page.get_by_role("button", name="Create in Draft").click()
    expect(page.locator("#spec-problems")).to_contain_text("speed")
    page.get_by_label("Spec (YAML)").fill("provider_id: prov-tts\nvoice_name: Calm\n")
    page.get_by_role("button", name="Create in Draft").click()
    expect(page).to_have_url(re.compile("/draft/voice/calm$"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete from Draft").click()
    expect(page).to_have_url(re.compile("/draft$"))
    expect(page.get_by_role("link", name="calm", exact=True)).to_have_count(0)


def test_history_pages(sign_in: SignIn, topo: Topology, ws: Workspace) -> None:
    stub = topo.stub
    for i in range(1, 22):  # v2 ... v22: two pages of history
        found = stub.GetDraftEntity(cpb.GetDraftEntityRequest(
            workspace_id=ws.workspace_id, kind=pb.ENTITY_KIND_VOICE, entity_id="warm"),
            metadata=auth())
        entity = found.entity.entity
        entity.voice.speed = 1 + i / 100
        done = stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
            workspace_id=ws.workspace_id, entity=entity, etag=found.entity.etag),
            metadata=auth())
        stub.PublishDraft(cpb.PublishDraftRequest(
            workspace_id=ws.workspace_id, reviewed_revision=done.draft_revision,
            message=f"speed {i}"), metadata=auth())
    page = sign_in("viewer")
    page.goto("/history")
    expect(page.locator("table.versions tbody tr")).to_have_count(20)
    expect(page.locator("#v22")).to_contain_text("speed 21")
    expect(page.locator("#v1")).to_have_count(0)
    page.get_by_role("link", name="Next page").click()
    expect(page.locator("#v1")).to_be_visible()
    expect(page.locator("#v2")).to_be_visible()
    expect(page.get_by_role("link", name="Next page")).to_have_count(0)
