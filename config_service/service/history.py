"""Reading history (versions, Production, diffs) and "edit this version": restoring a
version, or a backup of the Draft, into the Draft."""

from __future__ import annotations

from agentconfig.diff import EntityDiff
from agentconfig.errors import NotFound, invalid
from config_service.domain.model import DraftBackup, Snapshot, Version, Workspace
from config_service.service import audit, draft_delta, paging
from config_service.service.common import (
    bump_revision,
    check_author,
    expect_revision,
    snapshot_of,
    version_or_404,
    workspace,
)
from config_service.service.ports import Repository, UnitOfWorkFactory
from config_service.service.restore import replace_draft


async def list_versions(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                        ) -> tuple[list[Version], str]:
    limit = paging.page_size(size)
    query = ["versions", workspace_id]
    cursor = paging.before_number(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        before = cursor if cursor is not None else ws.latest_version + 1
        rows = await uow.repo.list_versions(ws.id, before, limit)
        more = bool(rows) and rows[-1].number > 1
        return rows, paging.encode(rows[-1].number, query) if more else ""


async def _version(repo: Repository, ws: Workspace, number: int, field: str = "version",
                   ) -> Version:
    await version_or_404(repo, ws, number, field)
    found = await repo.get_version(ws.id, number)
    if found is None:
        raise NotFound(f"version {number} not found", reason="VERSION_NOT_FOUND")
    return found


async def _read(repo: Repository, ws: Workspace, number: int, full: bool,
                ) -> tuple[Version, Snapshot | None]:
    version = await _version(repo, ws, number)
    if not full:
        return version, None
    manifest = await repo.version_manifest(ws.id, number)
    return version, await snapshot_of(repo, ws.id, manifest, version=number)


async def get_version(uowf: UnitOfWorkFactory, workspace_id: str, number: int, full: bool,
                      ) -> tuple[Version, Snapshot | None]:
    async with uowf(read_only=True) as uow:
        return await _read(uow.repo, await workspace(uow.repo, workspace_id), number, full)


async def get_production(uowf: UnitOfWorkFactory, workspace_id: str, full: bool,
                         ) -> tuple[Version, Snapshot | None]:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        if not ws.production_version:
            raise NotFound(f"workspace {ws.id!r} has no production version yet: publish "
                           "first", reason="NO_PRODUCTION")
        return await _read(uow.repo, ws, ws.production_version, full)


async def _draft(repo: Repository, ws: Workspace) -> Snapshot:
    manifest = await repo.draft_manifest(ws.id)
    return await snapshot_of(repo, ws.id, manifest, draft_revision=ws.draft_revision)


async def draft_snapshot(uowf: UnitOfWorkFactory, workspace_id: str) -> Snapshot:
    async with uowf(read_only=True) as uow:
        return await _draft(uow.repo, await workspace(uow.repo, workspace_id))


async def draft_snapshot_since(uowf: UnitOfWorkFactory, workspace_id: str,
                               known_revision: int) -> tuple[int, Snapshot | None]:
    """The Draft's revision, and its content unless the caller already holds it (its
    ``known_revision`` > 0 is the current one): then only the workspace row is read. Every
    Draft change bumps the revision (common.bump_revision), so equal revisions mean equal
    content."""
    if known_revision < 0:
        raise invalid("known_draft_revision", "must not be negative", "OUT_OF_RANGE")
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        if known_revision and known_revision == ws.draft_revision:
            return ws.draft_revision, None
        return ws.draft_revision, await _draft(uow.repo, ws)


async def diff_draft(uowf: UnitOfWorkFactory, workspace_id: str,
                     ) -> tuple[list[EntityDiff], Workspace, str, str]:
    """The entries, and the content hashes of Production ("" before the first publish) and
    of the Draft; only what changed, and what uses it, is read (draft_delta.py)."""
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        entries = await draft_delta.diff(uow.repo, ws, await draft_delta.changes(uow.repo, ws))
        production = await uow.repo.get_version(ws.id, ws.production_version) \
            if ws.production_version else None
        _, draft_hash = await uow.repo.draft_digest(ws.id)
        return entries, ws, production.content_hash if production else "", draft_hash


async def diff_versions(uowf: UnitOfWorkFactory, workspace_id: str, a: int, b: int,
                        ) -> tuple[list[EntityDiff], str, str]:
    """The entries and both versions' content hashes; only what changed between them, and
    what uses it, is read."""
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        old = await _version(uow.repo, ws, a, "from_version")
        new = await _version(uow.repo, ws, b, "to_version")
        delta = await draft_delta.version_change(uow.repo, ws, a, b)
        entries = await draft_delta.diff(uow.repo, ws, delta, a, b)
        return entries, old.content_hash, new.content_hash


async def restore_version(uowf: UnitOfWorkFactory, workspace_id: str, number: int,
                          draft_revision: int, author: str) -> tuple[int, str]:
    """"Edit this version": the Draft becomes vN's content; its own edits go to a backup."""
    check_author(author)
    if draft_revision <= 0:
        raise invalid("draft_revision", "is required: the Draft revision you are replacing",
                      "REQUIRED")
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        await version_or_404(uow.repo, ws, number)
        expect_revision(ws, draft_revision, "draft_revision")
        target = await uow.repo.version_manifest(ws.id, number)
        current = await uow.repo.draft_manifest(ws.id)
        backup = await replace_draft(uow.repo, ws, current, target, author,
                                     f"restore of v{number}")
        bump_revision(ws, author)
        ws.base_version = number
        await uow.repo.mark_draft_synced(ws.id, number)
        await uow.repo.save_workspace(ws)
        await audit.record(uow.repo, ws.id, "draft.restore", f"v{number}",
                           {"backup_id": backup, "draft_revision": ws.draft_revision},
                           author=author)
        await uow.commit()
        return ws.draft_revision, backup


async def list_backups(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                       ) -> tuple[list[DraftBackup], str]:
    limit = paging.page_size(size)
    query = ["backups", workspace_id]
    offset = paging.offset(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_backups(ws.id, offset, limit + 1)
        more = len(rows) > limit
        return rows[:limit], paging.encode(offset + limit, query) if more else ""


async def restore_backup(uowf: UnitOfWorkFactory, workspace_id: str, backup_id: str,
                         draft_revision: int, author: str) -> tuple[int, str]:
    check_author(author)
    if not backup_id:
        raise invalid("backup_id", "is required", "REQUIRED")
    if draft_revision <= 0:
        raise invalid("draft_revision", "is required: the Draft revision you are replacing",
                      "REQUIRED")
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        found = await uow.repo.get_backup(ws.id, backup_id)
        if found is None:
            raise NotFound(f"backup {backup_id!r} not found", reason="BACKUP_NOT_FOUND")
        expect_revision(ws, draft_revision, "draft_revision")
        current = await uow.repo.draft_manifest(ws.id)
        new_backup = await replace_draft(uow.repo, ws, current, found[1], author,
                                         f"recovery of backup {backup_id}")
        bump_revision(ws, author)
        await uow.repo.save_workspace(ws)
        await audit.record(uow.repo, ws.id, "draft.recover_backup", backup_id,
                           {"backup_id": new_backup, "draft_revision": ws.draft_revision},
                           author=author)
        await uow.commit()
        return ws.draft_revision, new_backup
