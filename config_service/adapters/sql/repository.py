"""The Repository port over SQLAlchemy Core on one connection (one transaction)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from agentconfig.canonical import canonical_json
from config_service.adapters.sql import tables as t
from config_service.domain.auth import ApiKeyRecord, Role
from config_service.domain.model import (
    AuditEvent,
    Channel,
    DraftBackup,
    DraftEntity,
    Key,
    Spec,
    Version,
    Workspace,
)
from config_service.service.ports import Manifest, Repository


def _utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _workspace(row: RowMapping) -> Workspace:
    return Workspace(row["id"], row["display_name"], _utc(row["created_at"]),  # type: ignore[arg-type]
                     row["draft_revision"], row["production_version"], row["latest_version"],
                     _utc(row["draft_updated_at"]), row["draft_updated_by"],
                     row["base_version"], bool(row["two_person_rule"]))


def _key(row: RowMapping) -> ApiKeyRecord:
    return ApiKeyRecord(row["key_id"], row["workspace_id"], Role[row["role"]],
                        row["display_name"], row["secret_sha256"],
                        _utc(row["created_at"]), row["created_by"],  # type: ignore[arg-type]
                        _utc(row["expire_at"]), _utc(row["revoked_at"]),
                        tuple(json.loads(row["channel_ids"])))


def _audit(row: RowMapping) -> AuditEvent:
    return AuditEvent(row["workspace_id"], _utc(row["at"]), row["actor"],  # type: ignore[arg-type]
                      row["action"], row["target"], json.loads(row["details"]), row["peer"],
                      row["event_id"])


def _version(row: RowMapping) -> Version:
    return Version(row["workspace_id"], row["number"], row["content_hash"], row["author"],
                   row["message"], _utc(row["created_at"]), row["origin"],  # type: ignore[arg-type]
                   row["restored_from"], row["draft_revision"], row["entity_count"],
                   row["changed_count"], row["request_id"] or "", row["previous_version"])


def _channel(row: RowMapping) -> Channel:
    return Channel(row["workspace_id"], row["channel_id"], row["display_name"], row["type"],
                   row["target_kind"], row["target_id"], row["etag"],
                   _utc(row["created_at"]), _utc(row["updated_at"]))  # type: ignore[arg-type]


class SqlRepository(Repository):
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn
        self._dialect = conn.dialect.name

    def _insert(self, table: Any) -> Any:
        """INSERT with ON CONFLICT support for either engine."""
        return (postgresql.insert(table) if self._dialect == "postgresql"
                else sqlite.insert(table))

    async def _rows(self, stmt: Any) -> Sequence[RowMapping]:
        return (await self._conn.execute(stmt)).mappings().all()

    async def _row(self, stmt: Any) -> RowMapping | None:
        return (await self._conn.execute(stmt)).mappings().first()

    # workspaces ------------------------------------------------------------------------
    async def add_workspace(self, workspace: Workspace) -> None:
        await self._conn.execute(insert(t.workspaces).values(self._ws_values(workspace)))

    @staticmethod
    def _ws_values(ws: Workspace) -> dict[str, Any]:
        return {"id": ws.id, "display_name": ws.display_name, "created_at": ws.created_at,
                "draft_revision": ws.draft_revision, "production_version":
                ws.production_version, "latest_version": ws.latest_version,
                "base_version": ws.base_version, "draft_updated_at": ws.draft_updated_at,
                "draft_updated_by": ws.draft_updated_by, "two_person_rule": ws.two_person_rule}

    async def get_workspace(self, workspace_id: str) -> Workspace | None:
        row = await self._row(select(t.workspaces).where(t.workspaces.c.id == workspace_id))
        return _workspace(row) if row else None

    async def lock_workspace(self, workspace_id: str) -> Workspace | None:
        row = await self._row(select(t.workspaces).where(t.workspaces.c.id == workspace_id)
                              .with_for_update())
        return _workspace(row) if row else None

    async def save_workspace(self, workspace: Workspace) -> None:
        await self._conn.execute(update(t.workspaces)
                                 .where(t.workspaces.c.id == workspace.id)
                                 .values(self._ws_values(workspace)))

    async def list_workspaces(self, after: str, limit: int) -> list[Workspace]:
        rows = await self._rows(select(t.workspaces).where(t.workspaces.c.id > after)
                                .order_by(t.workspaces.c.id).limit(limit))
        return [_workspace(r) for r in rows]

    # blobs -----------------------------------------------------------------------------
    async def put_blobs(self, blobs: dict[str, tuple[str, str, Spec]]) -> None:
        if not blobs:
            return
        values = [{"hash": h, "kind": k, "entity_id": i, "spec": canonical_json(s)}
                  for h, (k, i, s) in blobs.items()]
        await self._conn.execute(self._insert(t.entity_blobs).values(values)
                                 .on_conflict_do_nothing(index_elements=["hash"]))

    async def get_specs(self, hashes: Sequence[str]) -> dict[str, Spec]:
        out: dict[str, Spec] = {}
        for start in range(0, len(hashes), 500):
            chunk = list(hashes[start:start + 500])
            rows = await self._rows(select(t.entity_blobs.c.hash, t.entity_blobs.c.spec)
                                    .where(t.entity_blobs.c.hash.in_(chunk)))
            out.update({r["hash"]: json.loads(r["spec"]) for r in rows})
        return out

    # draft -----------------------------------------------------------------------------
    async def draft_entities(self, workspace_id: str, kind: str | None = None,
                             after: Key | None = None, limit: int | None = None,
                             ) -> list[DraftEntity]:
        d = t.draft_entities
        stmt = (select(d, t.entity_blobs.c.spec)
                .join(t.entity_blobs, t.entity_blobs.c.hash == d.c.content_hash)
                .where(d.c.workspace_id == workspace_id).order_by(d.c.kind, d.c.entity_id))
        if kind:
            stmt = stmt.where(d.c.kind == kind)
        if after:
            stmt = stmt.where(tuple_(d.c.kind, d.c.entity_id) > tuple_(*after))
        if limit:
            stmt = stmt.limit(limit)
        return [self._draft(r) for r in await self._rows(stmt)]

    @staticmethod
    def _draft(row: RowMapping) -> DraftEntity:
        return DraftEntity(row["kind"], row["entity_id"], json.loads(row["spec"]),
                           row["content_hash"], row["etag"], _utc(row["updated_at"]),  # type: ignore[arg-type]
                           row["updated_by"])

    async def draft_entity(self, workspace_id: str, key: Key) -> DraftEntity | None:
        d = t.draft_entities
        row = await self._row(
            select(d, t.entity_blobs.c.spec)
            .join(t.entity_blobs, t.entity_blobs.c.hash == d.c.content_hash)
            .where(d.c.workspace_id == workspace_id, d.c.kind == key[0],
                   d.c.entity_id == key[1]))
        return self._draft(row) if row else None

    async def draft_manifest(self, workspace_id: str) -> Manifest:
        d = t.draft_entities
        rows = await self._rows(select(d.c.kind, d.c.entity_id, d.c.content_hash)
                                .where(d.c.workspace_id == workspace_id))
        return {(r["kind"], r["entity_id"]): r["content_hash"] for r in rows}

    async def put_draft_entity(self, workspace_id: str, entity: DraftEntity) -> None:
        values = {"workspace_id": workspace_id, "kind": entity.kind,
                  "entity_id": entity.entity_id, "content_hash": entity.content_hash,
                  "etag": entity.etag, "updated_at": entity.updated_at,
                  "updated_by": entity.updated_by}
        await self.put_blobs({entity.content_hash: (entity.kind, entity.entity_id,
                                                    entity.spec)})
        stmt = self._insert(t.draft_entities).values(values)
        await self._conn.execute(stmt.on_conflict_do_update(
            index_elements=["workspace_id", "kind", "entity_id"],
            set_={k: stmt.excluded[k] for k in ("content_hash", "etag", "updated_at",
                                                  "updated_by")}))

    async def delete_draft_entity(self, workspace_id: str, key: Key) -> None:
        d = t.draft_entities
        await self._conn.execute(delete(d).where(d.c.workspace_id == workspace_id,
                                                 d.c.kind == key[0], d.c.entity_id == key[1]))

    async def count_draft_entities(self, workspace_id: str) -> int:
        d = t.draft_entities
        return int((await self._conn.execute(
            select(func.count()).where(d.c.workspace_id == workspace_id))).scalar_one())

    # versions --------------------------------------------------------------------------
    async def add_version(self, version: Version, old: Manifest, new: Manifest) -> None:
        v = version
        await self._conn.execute(insert(t.versions).values(
            workspace_id=v.workspace_id, number=v.number, content_hash=v.content_hash,
            author=v.author, message=v.message, created_at=v.created_at, origin=v.origin,
            restored_from=v.restored_from, draft_revision=v.draft_revision,
            entity_count=v.entity_count, changed_count=v.changed_count,
            request_id=v.request_id or None, previous_version=v.previous_version))
        ve = t.version_entities
        for key in [k for k in old if old[k] != new.get(k)]:
            await self._conn.execute(
                update(ve).where(ve.c.workspace_id == v.workspace_id, ve.c.kind == key[0],
                                 ve.c.entity_id == key[1], ve.c.to_version.is_(None))
                .values(to_version=v.number))
        added = [{"workspace_id": v.workspace_id, "kind": k[0], "entity_id": k[1],
                  "from_version": v.number, "to_version": None, "content_hash": h}
                 for k, h in new.items() if old.get(k) != h]
        if added:
            await self._conn.execute(insert(ve), added)

    async def get_version(self, workspace_id: str, number: int) -> Version | None:
        row = await self._row(select(t.versions).where(
            t.versions.c.workspace_id == workspace_id, t.versions.c.number == number))
        return _version(row) if row else None

    async def version_by_request(self, workspace_id: str, request_id: str,
                                 ) -> Version | None:
        row = await self._row(select(t.versions).where(
            t.versions.c.workspace_id == workspace_id, t.versions.c.request_id == request_id))
        return _version(row) if row else None

    async def list_versions(self, workspace_id: str, before: int, limit: int,
                            ) -> list[Version]:
        rows = await self._rows(select(t.versions).where(
            t.versions.c.workspace_id == workspace_id, t.versions.c.number < before)
            .order_by(t.versions.c.number.desc()).limit(limit))
        return [_version(r) for r in rows]

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
            created_at=datetime.now(UTC)))

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
                           row["entity_count"], _utc(row["created_at"]),  # type: ignore[arg-type]
                           row["created_by"], row["reason"])

    async def get_backup(self, workspace_id: str, backup_id: str,
                         ) -> tuple[DraftBackup, Manifest] | None:
        b = t.draft_backups
        if not _storable(backup_id):  # no stored id can hold it: not there
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

    # channels --------------------------------------------------------------------------
    @staticmethod
    def _channel_values(c: Channel) -> dict[str, Any]:
        return {"workspace_id": c.workspace_id, "channel_id": c.channel_id,
                "display_name": c.display_name, "type": c.type, "target_kind": c.target_kind,
                "target_id": c.target_id, "etag": c.etag, "created_at": c.created_at,
                "updated_at": c.updated_at}

    async def add_channel(self, channel: Channel) -> None:
        await self._conn.execute(insert(t.channels).values(self._channel_values(channel)))

    async def get_channel(self, workspace_id: str, channel_id: str) -> Channel | None:
        c = t.channels
        if not _storable(channel_id):  # no stored id can hold it: not there
            return None
        row = await self._row(select(c).where(c.c.workspace_id == workspace_id,
                                              c.c.channel_id == channel_id))
        return _channel(row) if row else None

    async def save_channel(self, channel: Channel) -> None:
        c = t.channels
        await self._conn.execute(update(c).where(
            and_(c.c.workspace_id == channel.workspace_id, c.c.channel_id == channel.channel_id)
        ).values(self._channel_values(channel)))

    async def delete_channel(self, workspace_id: str, channel_id: str) -> None:
        c = t.channels
        await self._conn.execute(delete(c).where(c.c.workspace_id == workspace_id,
                                                 c.c.channel_id == channel_id))

    async def list_channels(self, workspace_id: str, after: str = "",
                            limit: int | None = None) -> list[Channel]:
        c = t.channels
        stmt = (select(c).where(c.c.workspace_id == workspace_id, c.c.channel_id > after)
                .order_by(c.c.channel_id))
        if limit:
            stmt = stmt.limit(limit)
        return [_channel(r) for r in await self._rows(stmt)]

    # access ----------------------------------------------------------------------------
    @staticmethod
    def _key_values(k: ApiKeyRecord) -> dict[str, Any]:
        return {"key_id": k.key_id, "workspace_id": k.workspace_id, "role": k.role.name,
                "display_name": k.display_name, "secret_sha256": k.secret_sha256,
                "created_at": k.created_at, "created_by": k.created_by,
                "expire_at": k.expire_at, "revoked_at": k.revoked_at,
                "channel_ids": json.dumps(list(k.channel_ids))}

    async def add_key(self, key: ApiKeyRecord) -> None:
        await self._conn.execute(insert(t.api_keys).values(self._key_values(key)))

    async def get_key(self, key_id: str) -> ApiKeyRecord | None:
        if not _storable(key_id):  # no stored id can hold it: not there
            return None
        row = await self._row(select(t.api_keys).where(t.api_keys.c.key_id == key_id))
        return _key(row) if row else None

    async def save_key(self, key: ApiKeyRecord) -> None:
        await self._conn.execute(update(t.api_keys).where(t.api_keys.c.key_id == key.key_id)
                                 .values(self._key_values(key)))

    async def list_keys(self, workspace_id: str, offset: int, limit: int,
                        ) -> list[ApiKeyRecord]:
        k = t.api_keys
        rows = await self._rows(select(k).where(k.c.workspace_id == workspace_id)
                                .order_by(k.c.created_at, k.c.key_id).offset(offset)
                                .limit(limit))
        return [_key(r) for r in rows]

    async def add_audit(self, event: AuditEvent) -> None:
        await self._conn.execute(insert(t.audit_events).values(
            workspace_id=event.workspace_id, at=event.at, actor=event.actor,
            action=event.action, target=event.target,
            details=canonical_json(event.details), peer=event.peer))

    async def list_audit(self, workspace_id: str, before: int, limit: int,
                         ) -> list[AuditEvent]:
        a = t.audit_events
        stmt = select(a).where(a.c.workspace_id == workspace_id)
        if before:
            stmt = stmt.where(a.c.event_id < before)
        rows = await self._rows(stmt.order_by(a.c.event_id.desc()).limit(limit))
        return [_audit(r) for r in rows]


def _storable(text: str) -> bool:
    """Postgres text cannot hold NUL: a lookup by a caller's string that contains one
    would fail in the driver (an INTERNAL) instead of finding nothing."""
    return "\x00" not in text
