"""What the console refuses: a viewer is offered no publish (and a publish it posts anyway
is refused by the server, nothing published), a POST without the session's CSRF token is
403, and the API key is never sent back to the browser (the cookie holds a random id)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.browser.conftest import SignIn
from tests.browser.topology import Topology, Workspace, auth


def _edit_draft(topo: Topology, ws: Workspace) -> int:
    """A Draft change through the API, so there is something to publish."""
    stub = topo.stub
    found = stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws.workspace_id, kind=pb.ENTITY_KIND_AGENT, entity_id="refunds"),
        metadata=auth())
    entity = found.entity.entity
    entity.agent.temperature = 0.3
    done = stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws.workspace_id, entity=entity, etag=found.entity.etag), metadata=auth())
    return int(done.draft_revision)


def _versions(topo: Topology, ws: Workspace) -> int:
    return len(topo.stub.ListVersions(cpb.ListVersionsRequest(
        workspace_id=ws.workspace_id), metadata=auth()).versions)


def test_viewer_is_offered_no_publish_and_is_refused(sign_in: SignIn, topo: Topology,
                                                     ws: Workspace) -> None:
    revision = _edit_draft(topo, ws)
    page = sign_in("viewer")
    expect(page.locator("#my-role")).to_have_text("viewer")
    expect(page.get_by_role("link", name="Chat")).to_have_count(0)
    page.get_by_role("link", name="Diff & publish").click()
    expect(page.locator("[data-entity='agent/refunds']")).to_be_visible()
    expect(page.locator("#publish")).to_have_count(0)
    expect(page.get_by_text("Publishing needs the publisher role")).to_be_visible()
    page.goto("/history")
    expect(page.get_by_role("link", name=re.compile("Roll back"))).to_have_count(0)
    expect(page.get_by_role("link", name="Edit this version")).to_have_count(0)
    token = page.locator("meta[name=csrf-token]").get_attribute("content") or ""
    answer = page.request.post("/publish", headers={"X-CSRF-Token": token}, form={
        "reviewed_revision": str(revision), "message": "sneaky", "request_id": "x"})
    assert answer.status == 403
    assert "publisher role" in answer.text()
    assert _versions(topo, ws) == 1


def test_post_without_csrf_token_is_refused(sign_in: SignIn, topo: Topology,
                                            ws: Workspace) -> None:
    revision = _edit_draft(topo, ws)
    page = sign_in("publisher")
    form: dict[str, str | float | bool] = {
        "reviewed_revision": str(revision), "message": "no token", "request_id": "y"}
    assert page.request.post("/publish", form=form).status == 403
    assert page.request.post("/publish", form=form | {"csrf_token": "forged"}).status == 403
    assert page.request.post("/publish", headers={"X-CSRF-Token": "forged"},
                             form=form).status == 403
    assert _versions(topo, ws) == 1
    token = page.locator("meta[name=csrf-token]").get_attribute("content") or ""
    answer = page.request.post("/publish", form=form | {"csrf_token": token},
                               max_redirects=0)
    assert answer.status == 303  # the same post with the token publishes
    assert _versions(topo, ws) == 2


def test_the_key_stays_on_the_server(sign_in: SignIn, ws: Workspace) -> None:
    page = sign_in("admin")
    for path in ("/", "/draft", "/keys", "/history"):
        page.goto(path)
        assert ws.keys["admin"] not in page.content()
    cookies = page.context.cookies()
    assert [c["name"] for c in cookies] == ["agentconfig_console"]
    cookie = cookies[0]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    assert ws.keys["admin"] not in cookie["value"]
    page.get_by_role("button", name="Sign out").click()
    page.goto("/draft")
    expect(page).to_have_url(re.compile("/signin$"))
