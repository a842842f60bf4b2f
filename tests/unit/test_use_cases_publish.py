"""Publish use cases on both engines: stale revision, invalid or empty Draft, nothing
changed, idempotent request ids, gap-free numbers and history paging."""

from __future__ import annotations

import pytest

from agentconfig.errors import Conflict, DraftInvalid, InvalidArgument, NothingToPublish
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import drafts, history, publishing, workspaces
from tests.harness import builders as b
from tests.unit.use_case_helpers import (
    RecordingAnnouncer,
    draft_with_agent,
    edit_agent,
    item,
    publish,
)


async def test_publish_v1_and_announce(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    revision = await draft_with_agent(uowf, ws_id)
    announcer = RecordingAnnouncer()
    v1 = await publish(uowf, ws_id, revision, announcer=announcer)
    assert (v1.number, v1.origin, v1.draft_revision, v1.entity_count, v1.changed_count,
            v1.previous_version) == (1, "draft", revision, 2, 2, 0)
    assert v1.content_hash == (await history.draft_snapshot(uowf, ws_id)).content_hash
    assert announcer.pokes == 1
    production, snapshot = await history.get_production(uowf, ws_id, True)
    assert production == v1 and snapshot is not None
    assert sorted(snapshot.specs) == [("agent", "support"), ("tool", "weather")]


async def test_stale_revision_is_refused(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    revision = await draft_with_agent(uowf, ws_id)
    await edit_agent(uowf, ws_id, "Changed after review.")
    with pytest.raises(Conflict) as exc:
        await publish(uowf, ws_id, revision)
    assert exc.value.reason == "STALE_REVISION"
    assert (await workspaces.get_workspace(uowf, ws_id)).latest_version == 0
    with pytest.raises(InvalidArgument):
        await publish(uowf, ws_id, 0)


async def test_invalid_draft_lists_every_violation(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                   ) -> None:
    await draft_with_agent(uowf, ws_id)
    _, revision = await drafts.create_entity(uowf, ws_id, item(b.squad(
        "desk", ("support", "ghost"))), 0, "ann")
    with pytest.raises(DraftInvalid) as exc:
        await publish(uowf, ws_id, revision)
    assert [(v.field, v.reason) for v in exc.value.violations] == [
        ("squad/desk.member_agent_ids[1]", "DANGLING_REFERENCE")]
    assert (await workspaces.get_workspace(uowf, ws_id)).production_version == 0


async def test_empty_and_unchanged_drafts(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await workspaces.create_workspace(uowf, ws_id, "")
    _, revision = await drafts.create_entity(uowf, ws_id, item(b.voice()), 0, "ann")
    current, _ = await drafts.get_entity(uowf, ws_id, ("voice", "warm"))
    revision = await drafts.delete_entity(uowf, ws_id, ("voice", "warm"), current.etag, "ann")
    with pytest.raises(NothingToPublish) as empty:
        await publish(uowf, ws_id, revision)
    assert empty.value.reason == "DRAFT_EMPTY"
    _, revision = await drafts.create_entity(uowf, ws_id, item(b.voice()), 0, "ann")
    await publish(uowf, ws_id, revision)
    with pytest.raises(NothingToPublish) as same:
        await publish(uowf, ws_id, revision)
    assert same.value.reason == "NOTHING_TO_PUBLISH"


async def test_same_request_id_same_version(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    reviewed = await draft_with_agent(uowf, ws_id)
    first = await publish(uowf, ws_id, reviewed, request_id="req-1")
    again = await publish(uowf, ws_id, reviewed, request_id="req-1")
    assert again == first and first.request_fingerprint
    revision = await edit_agent(uowf, ws_id, "Later.")
    # even after the Draft moved on, the retry answers with what it created
    assert await publish(uowf, ws_id, reviewed, request_id="req-1") == first
    second = await publish(uowf, ws_id, revision, request_id="req-2")
    assert second.number == 2
    rows, _ = await history.list_versions(uowf, ws_id, 0, "")
    assert [v.number for v in rows] == [2, 1]


def _request(ws: str, request_id: str, reviewed: int | None = None, restore: int = 0,
             message: str = "msg", author: str = "ann") -> publishing.PublishRequest:
    return publishing.PublishRequest(ws, message, author, request_id,
                                     reviewed_revision=reviewed, restore_version=restore)


async def test_request_id_reused_for_another_request(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                     ) -> None:
    """AIP-155 as Stripe applies it: an id names one request; another RPC or other
    parameters under the same id are refused, and nothing is written."""
    reviewed = await draft_with_agent(uowf, ws_id)
    announcer = RecordingAnnouncer()
    first = await publishing.publish(uowf, announcer, _request(ws_id, "req-1", reviewed))
    revision = await edit_agent(uowf, ws_id, "Later.")
    await publish(uowf, ws_id, revision)
    second = await publishing.publish(uowf, announcer, _request(ws_id, "rb-1", restore=1,
                                                                 message="back"))
    reused = [
        (_request(ws_id, "req-1", restore=1), "PublishDraft", first),  # another RPC
        (_request(ws_id, "req-1", revision), "PublishDraft", first),
        (_request(ws_id, "req-1", reviewed, message="other"), "PublishDraft", first),
        (_request(ws_id, "req-1", reviewed, author="bob"), "PublishDraft", first),
        (_request(ws_id, "rb-1", reviewed), "RollbackToVersion", second),  # another RPC
        (_request(ws_id, "rb-1", restore=2, message="back"), "RollbackToVersion", second),
        (_request(ws_id, "rb-1", restore=1, message="back", author="bob"),
         "RollbackToVersion", second),
        (_request(ws_id, "rb-1", restore=1, message="again"), "RollbackToVersion", second),
    ]
    for request, rpc, version in reused:
        with pytest.raises(InvalidArgument) as refused:
            await publishing.publish(uowf, announcer, request)
        error = refused.value
        assert (error.reason, error.metadata) == ("REQUEST_ID_REUSED", {
            "first_rpc": rpc, "first_version": str(version.number)}), request
        assert [(v.field, v.reason) for v in error.violations] == [
            ("request_id", "REQUEST_ID_REUSED")]
        assert f"{rpc}" in error.message and f"v{version.number}" in error.message
    # the same requests again still answer with what they created, and nothing else moved
    assert await publishing.publish(uowf, announcer, _request(ws_id, "req-1", reviewed)) \
        == first
    assert await publishing.publish(uowf, announcer, _request(
        ws_id, "rb-1", restore=1, message="back")) == second
    ws = await workspaces.get_workspace(uowf, ws_id)
    assert (ws.latest_version, ws.draft_revision, announcer.pokes) == (3, revision + 1, 2)


async def test_versions_are_gap_free_and_page(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    revision = await draft_with_agent(uowf, ws_id)
    for n in range(1, 6):
        version = await publish(uowf, ws_id, revision)
        assert (version.number, version.previous_version) == (n, n - 1)
        revision = await edit_agent(uowf, ws_id, f"Edit {n}.")
    seen, token, pages = [], "", 0
    while True:
        rows, token = await history.list_versions(uowf, ws_id, 2, token)
        seen += [v.number for v in rows]
        pages += 1
        if not token:
            break
    assert (seen, pages) == ([5, 4, 3, 2, 1], 3)
    _, token = await history.list_versions(uowf, ws_id, 2, "")
    with pytest.raises(InvalidArgument):
        await history.list_versions(uowf, ws_id + "x", 2, token)
    ws = await workspaces.get_workspace(uowf, ws_id)
    assert (ws.latest_version, ws.production_version) == (5, 5)
