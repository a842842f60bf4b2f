"""Row mapping and the connection helpers every part of the SQL repository shares."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from config_service.domain.auth import ApiKeyRecord, Role
from config_service.domain.model import (
    AuditEvent,
    Channel,
    Version,
    Workspace,
)


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything here is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def workspace_from(row: RowMapping) -> Workspace:
    return Workspace(row["id"], row["display_name"], utc(row["created_at"]),  # type: ignore[arg-type]
                     row["draft_revision"], row["production_version"], row["latest_version"],
                     utc(row["draft_updated_at"]), row["draft_updated_by"],
                     row["base_version"], bool(row["two_person_rule"]),
                     tuple(json.loads(row["live_tool_ids"])),
                     bool(row["require_passing_tests"]))


def key_from(row: RowMapping) -> ApiKeyRecord:
    return ApiKeyRecord(row["key_id"], row["workspace_id"], Role[row["role"]],
                        row["display_name"], row["secret_sha256"],
                        utc(row["created_at"]), row["created_by"],  # type: ignore[arg-type]
                        utc(row["expire_at"]), utc(row["revoked_at"]),
                        tuple(json.loads(row["channel_ids"])))


def audit_from(row: RowMapping) -> AuditEvent:
    return AuditEvent(row["workspace_id"], utc(row["at"]), row["actor"],  # type: ignore[arg-type]
                      row["action"], row["target"], json.loads(row["details"]), row["peer"],
                      row["event_id"])


def version_from(row: RowMapping) -> Version:
    return Version(row["workspace_id"], row["number"], row["content_hash"], row["author"],
                   row["message"], utc(row["created_at"]), row["origin"],  # type: ignore[arg-type]
                   row["restored_from"], row["draft_revision"], row["entity_count"],
                   row["changed_count"], row["request_id"] or "", row["previous_version"],
                   row["request_fingerprint"] or "")


def channel_from(row: RowMapping) -> Channel:
    return Channel(row["workspace_id"], row["channel_id"], row["display_name"], row["type"],
                   row["target_kind"], row["target_id"], row["etag"],
                   utc(row["created_at"]), utc(row["updated_at"]))  # type: ignore[arg-type]


def storable(text: str) -> bool:
    """Postgres text cannot hold NUL: a lookup by a caller's string that contains one
    would fail in the driver (an INTERNAL) instead of finding nothing."""
    return "\x00" not in text



class SqlBase:
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

