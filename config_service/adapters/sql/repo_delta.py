"""The change between two versions from the version ranges alone (issue 11).

A ``version_entities`` row holds one revision of an entity for the versions
``[from_version, to_version)``. Between versions ``old`` < ``new``, an entity changed if and
only if its revision live at ``new`` started after ``old`` (added or changed) or its revision
live at ``old`` ended by ``new`` (changed or removed). Revisions that both started and ended
in between were never seen by either side and are skipped. Both reads go through the range
index and return rows only for what changed.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, or_, select

from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import SqlBase
from config_service.domain.model import Key
from config_service.service.change_ports import EntityChange


class DeltaStore(SqlBase):
    async def version_changes(self, workspace_id: str, old: int, new: int, limit: int,
                              ) -> list[EntityChange]:
        ve = t.version_entities
        started = select(ve.c.kind, ve.c.entity_id, ve.c.content_hash).where(
            ve.c.workspace_id == workspace_id, ve.c.from_version > old,
            ve.c.from_version <= new, or_(ve.c.to_version.is_(None), ve.c.to_version > new))
        ended = select(ve.c.kind, ve.c.entity_id, ve.c.content_hash).where(
            ve.c.workspace_id == workspace_id, ve.c.from_version <= old,
            and_(ve.c.to_version > old, ve.c.to_version <= new))
        new_side = await self._hashes(started.limit(limit + 1))
        old_side = await self._hashes(ended.limit(limit + 1))
        changes = [EntityChange(kind, entity_id, old_side.get((kind, entity_id)),
                                new_side.get((kind, entity_id)))
                   for kind, entity_id in sorted(new_side.keys() | old_side.keys())]
        # removed then added back with the same content between the two: no change
        return [c for c in changes if c.old != c.new][:limit + 1]

    async def _hashes(self, stmt: Any) -> dict[Key, str]:
        return {(r["kind"], r["entity_id"]): r["content_hash"] for r in await self._rows(stmt)}


__all__ = ["DeltaStore"]
