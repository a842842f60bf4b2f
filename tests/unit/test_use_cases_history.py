""""Edit this version" (restore into the Draft, with the replaced Draft kept as a backup and
recoverable) and the one-step rollback, on both engines."""

from __future__ import annotations

import pytest

from agentconfig.errors import Conflict, InvalidArgument, NotFound, NothingToPublish
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.domain.model import Version
from config_service.service import history, publishing, workspaces
from tests.unit.use_case_helpers import RecordingAnnouncer, draft_with_agent, edit_agent, publish


async def _two_versions(uowf: SqlUnitOfWorkFactory, ws: str) -> tuple[str, str]:
    """v1, v2 published, and unpublished work on top; their content hashes."""
    v1 = await publish(uowf, ws, await draft_with_agent(uowf, ws))
    v2 = await publish(uowf, ws, await edit_agent(uowf, ws, "Second."))
    await edit_agent(uowf, ws, "Work in progress.")
    return v1.content_hash, v2.content_hash


async def _draft_hash(uowf: SqlUnitOfWorkFactory, ws: str) -> str:
    return (await history.draft_snapshot(uowf, ws)).content_hash


async def test_restore_then_publish_names_its_origin(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                     ) -> None:
    h1, _ = await _two_versions(uowf, ws_id)
    work = await _draft_hash(uowf, ws_id)
    revision = (await workspaces.get_workspace(uowf, ws_id)).draft_revision
    with pytest.raises(InvalidArgument):
        await history.restore_version(uowf, ws_id, 1, 0, "ann")
    with pytest.raises(Conflict):
        await history.restore_version(uowf, ws_id, 1, revision - 1, "ann")
    with pytest.raises(NotFound):
        await history.restore_version(uowf, ws_id, 9, revision, "ann")
    new_revision, backup_id = await history.restore_version(uowf, ws_id, 1, revision, "ann")
    assert new_revision == revision + 1 and backup_id
    assert await _draft_hash(uowf, ws_id) == h1
    v3 = await publish(uowf, ws_id, new_revision)
    assert (v3.number, v3.origin, v3.restored_from, v3.content_hash) == (
        3, "restored", 1, h1)
    backups, _ = await history.list_backups(uowf, ws_id, 0, "")
    assert [(bk.backup_id, bk.draft_revision) for bk in backups] == [(backup_id, revision)]
    assert (await _draft_hash(uowf, ws_id)) != work


async def test_backup_brings_the_replaced_work_back(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                    ) -> None:
    h1, _ = await _two_versions(uowf, ws_id)
    work = await _draft_hash(uowf, ws_id)
    revision = (await workspaces.get_workspace(uowf, ws_id)).draft_revision
    revision, backup_id = await history.restore_version(uowf, ws_id, 1, revision, "ann")
    with pytest.raises(NotFound):
        await history.restore_backup(uowf, ws_id, "nope", revision, "ann")
    with pytest.raises(Conflict):
        await history.restore_backup(uowf, ws_id, backup_id, revision - 1, "ann")
    revision, second = await history.restore_backup(uowf, ws_id, backup_id, revision, "ann")
    assert await _draft_hash(uowf, ws_id) == work
    # and the restore of v1 that this replaced is itself a backup
    revision, _ = await history.restore_backup(uowf, ws_id, second, revision, "ann")
    assert await _draft_hash(uowf, ws_id) == h1
    backups, _ = await history.list_backups(uowf, ws_id, 2, "")
    assert len(backups) == 2


async def test_one_step_rollback(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    h1, _ = await _two_versions(uowf, ws_id)
    work = await _draft_hash(uowf, ws_id)
    announcer = RecordingAnnouncer()

    async def rollback(number: int, request_id: str = "") -> Version:
        return await publishing.publish(uowf, announcer, publishing.PublishRequest(
            ws_id, f"rollback to v{number}", "admin", request_id, restore_version=number))

    with pytest.raises(NotFound):
        await rollback(999)
    with pytest.raises(InvalidArgument):
        await rollback(-1)
    v3 = await rollback(1, "rb-1")
    assert (v3.number, v3.origin, v3.restored_from, v3.draft_revision, v3.content_hash,
            v3.previous_version) == (3, "rollback", 1, 0, h1, 2)
    assert await rollback(1, "rb-1") == v3 and announcer.pokes == 1
    assert await _draft_hash(uowf, ws_id) == h1  # the Draft now shows what is live
    backups, _ = await history.list_backups(uowf, ws_id, 0, "")
    [backup] = backups
    assert backup.reason == "rollback to v1"
    await history.restore_backup(uowf, ws_id, backup.backup_id,
                                 (await workspaces.get_workspace(uowf, ws_id)).draft_revision,
                                 "ann")
    assert await _draft_hash(uowf, ws_id) == work
    _, snapshot = await history.get_version(uowf, ws_id, 1, True)
    assert snapshot is not None and snapshot.content_hash == h1


async def test_diff_versions(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await _two_versions(uowf, ws_id)
    entries, _, _ = await history.diff_versions(uowf, ws_id, 1, 2)
    [entry] = entries
    assert (entry.entity_id, entry.type, [c.path for c in entry.changes]) == (
        "support", "changed", ["instructions"])
    with pytest.raises(NotFound):
        await history.diff_versions(uowf, ws_id, 1, 3)
    with pytest.raises(InvalidArgument):
        await history.diff_versions(uowf, ws_id, 0, 1)


async def test_rollback_to_production_changes_nothing(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                      ) -> None:
    """v2 is Production: rolling back to it is refused before the Draft is touched (no
    backup, no revision bump, the unpublished work stays)."""
    await _two_versions(uowf, ws_id)
    work = await _draft_hash(uowf, ws_id)
    revision = (await workspaces.get_workspace(uowf, ws_id)).draft_revision
    with pytest.raises(NothingToPublish, match=r"equals Production \(v2\)"):
        await publishing.publish(uowf, RecordingAnnouncer(), publishing.PublishRequest(
            ws_id, "rollback to v2", "admin", "", restore_version=2))
    assert (await workspaces.get_workspace(uowf, ws_id)).draft_revision == revision
    assert (await history.list_backups(uowf, ws_id, 0, ""))[0] == []
    assert await _draft_hash(uowf, ws_id) == work
