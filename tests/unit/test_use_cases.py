"""Draft editing use cases on both engines: create/update/delete with etags and revisions,
atomic apply (validate_only, unchanged entities), and list paging."""

from __future__ import annotations

import pytest

from agentconfig.errors import AlreadyExists, Conflict, InvalidArgument, NotFound
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import drafts, history, workspaces
from tests.harness import builders as b
from tests.unit.use_case_helpers import draft_with_agent, item


async def _revision(uowf: SqlUnitOfWorkFactory, ws: str) -> int:
    return (await workspaces.get_workspace(uowf, ws)).draft_revision


async def _hash(uowf: SqlUnitOfWorkFactory, ws: str) -> str:
    return (await history.draft_snapshot(uowf, ws)).content_hash


async def test_create_with_revision_and_duplicates(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                   ) -> None:
    revision = await draft_with_agent(uowf, ws_id)
    assert revision == 2
    entity, rev = await drafts.create_entity(uowf, ws_id, item(b.voice("warm")), 2, "ann")
    assert (rev, entity.key, entity.updated_by) == (3, ("voice", "warm"), "ann")
    assert entity.etag and entity.content_hash
    with pytest.raises(AlreadyExists):
        await drafts.create_entity(uowf, ws_id, item(b.voice("warm")), 0, "ann")
    with pytest.raises(Conflict):
        await drafts.create_entity(uowf, ws_id, item(b.voice("cold")), 2, "ann")
    with pytest.raises(NotFound):
        await drafts.get_entity(uowf, ws_id, ("voice", "cold"))
    assert await _revision(uowf, ws_id) == 3


async def test_update_needs_the_current_etag(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await draft_with_agent(uowf, ws_id)
    current, _ = await drafts.get_entity(uowf, ws_id, ("tool", "weather"))
    changed = item(b.tool("weather", timeout_ms=9000))
    with pytest.raises(InvalidArgument) as missing:
        await drafts.update_entity(uowf, ws_id, changed, "", "bob")
    assert missing.value.violations[0].field == "etag"
    updated, rev = await drafts.update_entity(uowf, ws_id, changed, current.etag, "bob")
    assert rev == 3 and updated.etag != current.etag and updated.spec["timeout_ms"] == 9000
    with pytest.raises(Conflict):  # the etag read before the update is stale now
        await drafts.update_entity(uowf, ws_id, item(b.tool("weather")), current.etag, "eve")
    same, rev = await drafts.update_entity(uowf, ws_id, changed, updated.etag, "bob")
    assert (rev, same.etag) == (3, updated.etag)  # no change, no new revision
    with pytest.raises(NotFound):
        await drafts.update_entity(uowf, ws_id, item(b.voice("nope")), "x", "bob")
    assert (await drafts.get_entity(uowf, ws_id, ("tool", "weather")))[0].spec[
        "timeout_ms"] == 9000


async def test_delete_with_etag(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await draft_with_agent(uowf, ws_id)
    current, _ = await drafts.get_entity(uowf, ws_id, ("agent", "support"))
    with pytest.raises(Conflict):
        await drafts.delete_entity(uowf, ws_id, ("agent", "support"), "0-stale", "bob")
    assert await drafts.delete_entity(uowf, ws_id, ("agent", "support"), current.etag,
                                      "bob") == 3
    with pytest.raises(NotFound):
        await drafts.delete_entity(uowf, ws_id, ("agent", "support"), current.etag, "bob")


async def test_apply_is_atomic(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await draft_with_agent(uowf, ws_id)
    before = await _hash(uowf, ws_id)
    batch = [item(b.voice("warm"), "entities[0]"),
             item(b.tool("weather", timeout_ms=-1), "entities[1]"),
             item(b.component("card"), "entities[2]")]
    with pytest.raises(InvalidArgument) as bad:
        await drafts.apply(uowf, ws_id, batch, [], 0, False, "ann")
    assert [(v.field, v.reason) for v in bad.value.violations] == [
        ("entities[1].tool.timeout_ms", "OUT_OF_RANGE")]
    with pytest.raises(NotFound):  # a deletion of nothing also stops the whole batch
        await drafts.apply(uowf, ws_id, [batch[0]], [("squad", "ghost")], 0, False, "ann")
    with pytest.raises(Conflict):
        await drafts.apply(uowf, ws_id, [batch[0]], [], 1, False, "ann")
    assert (await _revision(uowf, ws_id), await _hash(uowf, ws_id)) == (2, before)


async def test_apply_validate_only_and_unchanged(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                 ) -> None:
    await draft_with_agent(uowf, ws_id)
    before = await _hash(uowf, ws_id)
    batch = [item(b.tool("weather"), "entities[0]"), item(b.voice("warm"), "entities[1]"),
             item(b.agent("support", tool_ids=["weather"], voice_id="warm"), "entities[2]")]
    changes, rev = await drafts.apply(uowf, ws_id, batch, [], 0, True, "ann")
    assert [c.action for c in changes] == ["unchanged", "created", "updated"]
    assert (rev, await _hash(uowf, ws_id)) == (2, before)
    changes, rev = await drafts.apply(uowf, ws_id, batch, [], 2, False, "ann")
    assert rev == 3 and all(c.etag for c in changes)
    again, rev = await drafts.apply(uowf, ws_id, batch, [], 0, False, "ann")
    assert rev == 3 and [c.action for c in again] == ["unchanged"] * 3
    assert [c.etag for c in again] == [c.etag for c in changes]
    changes, rev = await drafts.apply(uowf, ws_id, [], [("voice", "warm")], 3, False, "ann")
    assert rev == 4 and [(c.entity_id, c.action) for c in changes] == [("warm", "deleted")]


async def test_list_entities_pages(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await workspaces.create_workspace(uowf, ws_id, "")
    voices = [item(b.voice(f"v{i:02}"), f"entities[{i}]") for i in range(7)]
    await drafts.apply(uowf, ws_id, [*voices, item(b.tool("t1"), "entities[7]")], [], 0,
                       False, "ann")
    seen, token, pages = [], "", 0
    while True:
        rows, token, revision = await drafts.list_entities(uowf, ws_id, "voice", 3, token)
        seen += [r.entity_id for r in rows]
        pages += 1
        assert revision == 1
        if not token:
            break
    assert (seen, pages) == ([f"v{i:02}" for i in range(7)], 3)
    everything, token, _ = await drafts.list_entities(uowf, ws_id, None, 0, "")
    assert len(everything) == 8 and token == ""
    _, first_token, _ = await drafts.list_entities(uowf, ws_id, "voice", 3, "")
    with pytest.raises(InvalidArgument):  # a token from another query
        await drafts.list_entities(uowf, ws_id, "tool", 3, first_token)
    with pytest.raises(InvalidArgument):
        await drafts.list_entities(uowf, ws_id, "voice", -1, "")
