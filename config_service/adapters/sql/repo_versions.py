"""Versions (entity revisions by version range), the outbox and Draft backups."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import insert, or_, select, tuple_, update
from sqlalchemy.engine import RowMapping

from agentconfig.tracing import current_traceparent
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import (
    SqlBase,
    storable,
    utc,
    version_from,
)
from config_service.domain.model import (
    DraftBackup,
    Key,
    Version,
)
from config_service.service.change_ports import EntityChange
from config_service.service.ports import Manifest


class VersionStore(SqlBase):
    # versions --------------------------------------------------------------------------
    async def add_version(self, version: Version, changes: Sequence[EntityChange]) -> None:
        v = version
        await self._conn.execute(insert(t.versions).values(
            workspace_id=v.workspace_id, number=v.number, content_hash=v.content_hash,
            author=v.author, message=v.message, created_at=v.created_at, origin=v.origin,
            restored_from=v.restored_from, draft_revision=v.draft_revision,
            entity_count=v.entity_count, changed_count=v.changed_count,
            request_id=v.request_id or None, previous_version=v.previous_version,
            request_fingerprint=v.request_fingerprint or None))
        await self._close(v.workspace_id, v.number, [c.key for c in changes if c.old])
        added = [{"workspace_id": v.workspace_id, "kind": c.kind, "entity_id": c.entity_id,
                  "from_version": v.number, "to_version": None, "content_hash": c.new}
                 for c in changes if c.new]
        if added:
            await self._conn.execute(insert(t.version_entities), added)

    async def _close(self, workspace_id: str, number: int, keys: list[Key]) -> None:
        """End the open range of each replaced or removed entity, a chunk per statement."""
        ve = t.version_entities
        for start in range(0, len(keys), 1000):
            await self._conn.execute(
                update(ve).where(ve.c.workspace_id == workspace_id, ve.c.to_version.is_(None),
                                 tuple_(ve.c.kind, ve.c.entity_id).in_(keys[start:start + 1000]))
                .values(to_version=number))

    async def get_version(self, workspace_id: str, number: int) -> Version | None:
        row = await self._row(select(t.versions).where(
            t.versions.c.workspace_id == workspace_id, t.versions.c.number == number))
        return version_from(row) if row else None

    async def version_by_request(self, workspace_id: str, request_id: str,
                                 ) -> Version | None:
        row = await self._row(select(t.versions).where(
            t.versions.c.workspace_id == workspace_id, t.versions.c.request_id == request_id))
        return version_from(row) if row else None

    async def list_versions(self, workspace_id: str, before: int, limit: int,
                            ) -> list[Version]:
        rows = await self._rows(select(t.versions).where(
            t.versions.c.workspace_id == workspace_id, t.versions.c.number < before)
            .order_by(t.versions.c.number.desc()).limit(limit))
        return [version_from(r) for r in rows]

    async def version_manifest(self, workspace_id: str, number: int) -> Manifest:
        ve = t.version_entities
        rows = await self._rows(select(ve.c.kind, ve.c.entity_id, ve.c.content_hash).where(
            ve.c.workspace_id == workspace_id, ve.c.from_version <= number,
            or_(ve.c.to_version.is_(None), ve.c.to_version > number)))
        return {(r["kind"], r["entity_id"]): r["content_hash"] for r in rows}

    # outbox ----------------------------------------------------------------------------
    async def add_outbox(self, workspace_id: str, version: int, content_hash: str) -> None:
        await self._conn.execute(insert(t.outbox).values(
            workspace_id=workspace_id, version=version, content_hash=content_hash,
            created_at=datetime.now(UTC), traceparent=current_traceparent()))

    # backups ---------------------------------------------------------------------------
    async def add_backup(self, backup: DraftBackup, manifest: Manifest) -> None:
        b = backup
        await self._conn.execute(insert(t.draft_backups).values(
            backup_id=b.backup_id, workspace_id=b.workspace_id,
            draft_revision=b.draft_revision, entity_count=b.entity_count,
            created_at=b.created_at, created_by=b.created_by, reason=b.reason))
        if manifest:
            await self._conn.execute(insert(t.backup_entities), [
                {"backup_id": b.backup_id, "kind": k[0], "entity_id": k[1],
                 "content_hash": h} for k, h in manifest.items()])

    @staticmethod
    def _backup(row: RowMapping) -> DraftBackup:
        return DraftBackup(row["backup_id"], row["workspace_id"], row["draft_revision"],
                           row["entity_count"], utc(row["created_at"]),  # type: ignore[arg-type]
                           row["created_by"], row["reason"])

    async def get_backup(self, workspace_id: str, backup_id: str,
                         ) -> tuple[DraftBackup, Manifest] | None:
        b = t.draft_backups
        if not storable(backup_id):  # no stored id can hold it: not there
            return None
        row = await self._row(select(b).where(b.c.workspace_id == workspace_id,
                                              b.c.backup_id == backup_id))
        if row is None:
            return None
        be = t.backup_entities
        rows = await self._rows(select(be).where(be.c.backup_id == backup_id))
        return self._backup(row), {(r["kind"], r["entity_id"]): r["content_hash"]
                                   for r in rows}

    async def list_backups(self, workspace_id: str, offset: int, limit: int,
                           ) -> list[DraftBackup]:
        b = t.draft_backups
        rows = await self._rows(select(b).where(b.c.workspace_id == workspace_id)
                                .order_by(b.c.created_at.desc(), b.c.backup_id)
                                .offset(offset).limit(limit))
        return [self._backup(r) for r in rows]

