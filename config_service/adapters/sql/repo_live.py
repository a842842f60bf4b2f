"""Live data: channels, API keys and the audit log."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import and_, delete, insert, select, update

from agentconfig.canonical import stable_json
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import (
    SqlBase,
    audit_from,
    channel_from,
    key_from,
    storable,
)
from config_service.domain.auth import ApiKeyRecord
from config_service.domain.model import (
    AuditEvent,
    Channel,
)


class LiveStore(SqlBase):
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
        if not storable(channel_id):  # no stored id can hold it: not there
            return None
        row = await self._row(select(c).where(c.c.workspace_id == workspace_id,
                                              c.c.channel_id == channel_id))
        return channel_from(row) if row else None

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
        return [channel_from(r) for r in await self._rows(stmt)]

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
        if not storable(key_id):  # no stored id can hold it: not there
            return None
        row = await self._row(select(t.api_keys).where(t.api_keys.c.key_id == key_id))
        return key_from(row) if row else None

    async def save_key(self, key: ApiKeyRecord) -> None:
        await self._conn.execute(update(t.api_keys).where(t.api_keys.c.key_id == key.key_id)
                                 .values(self._key_values(key)))

    async def list_keys(self, workspace_id: str, offset: int, limit: int,
                        ) -> list[ApiKeyRecord]:
        k = t.api_keys
        rows = await self._rows(select(k).where(k.c.workspace_id == workspace_id)
                                .order_by(k.c.created_at, k.c.key_id).offset(offset)
                                .limit(limit))
        return [key_from(r) for r in rows]

    async def add_audit(self, event: AuditEvent) -> None:
        await self._conn.execute(insert(t.audit_events).values(
            workspace_id=event.workspace_id, at=event.at, actor=event.actor,
            action=event.action, target=event.target,
            details=stable_json(event.details), peer=event.peer))

    async def list_audit(self, workspace_id: str, before: int, limit: int,
                         ) -> list[AuditEvent]:
        a = t.audit_events
        stmt = select(a).where(a.c.workspace_id == workspace_id)
        if before:
            stmt = stmt.where(a.c.event_id < before)
        rows = await self._rows(stmt.order_by(a.c.event_id.desc()).limit(limit))
        return [audit_from(r) for r in rows]
