"""The incremental reads (issue 11): set differences and reference lookups done by the
database, so a publish, diff or validation reads rows only for what changed."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, text, tuple_

from agentconfig.canonical import snapshot_hash
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import SqlBase
from config_service.domain.model import Key
from config_service.service.change_ports import EntityChange

_CHUNK = 1000

# The snapshot hash (agentconfig.canonical.snapshot_hash) written out in SQL: the RFC 8785
# text of the sorted [kind, id, hash] triples. Kinds, ids (L.ENTITY_ID) and hex hashes need
# no JSON escaping, and "C" collation sorts by code point as Python does (the key columns
# are collated so, migration 0007, and the rows come in primary-key order, unsorted); a test
# pins the two to the same answer.
_PG_DIGEST = text("""
WITH rows AS MATERIALIZED (SELECT array(
    SELECT '["' || kind || '","' || entity_id || '","' || content_hash || '"]'
    FROM draft_entities WHERE workspace_id = :ws
    ORDER BY kind COLLATE "C", entity_id COLLATE "C") AS r)
SELECT coalesce(array_length(r, 1), 0) AS n,
       encode(sha256(convert_to('[' || array_to_string(r, ',') || ']', 'UTF8')), 'hex') AS h
FROM rows
""")
def _chunks(keys: Collection[Key]) -> Iterator[list[Key]]:
    ordered = sorted(keys)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start:start + _CHUNK]


def live_at(version: int) -> Any:
    """version_entities rows that belong to ``version``."""
    ve = t.version_entities
    return and_(ve.c.from_version <= version,
                or_(ve.c.to_version.is_(None), ve.c.to_version > version))


class ChangeStore(SqlBase):
    async def draft_changes(self, workspace_id: str, version: int) -> list[EntityChange]:
        synced = (await self._conn.execute(select(t.draft_sync.c.version).where(
            t.draft_sync.c.workspace_id == workspace_id))).scalar_one_or_none()
        stmt = self._dirty_changes(workspace_id, version) if synced == version \
            else self._all_changes(workspace_id, version)
        rows = (await self._conn.execute(stmt)).all()
        return sorted(EntityChange(r[0], r[1], r[2], r[3], r[4] or "") for r in rows)

    @staticmethod
    def _dirty_changes(workspace_id: str, version: int) -> Any:
        """Only the keys written since the Draft equalled ``version``."""
        k, de, ve = t.draft_dirty, t.draft_entities, t.version_entities
        joined = (k.outerjoin(de, and_(de.c.workspace_id == k.c.workspace_id,
                                       de.c.kind == k.c.kind, de.c.entity_id == k.c.entity_id))
                  .outerjoin(ve, and_(ve.c.workspace_id == k.c.workspace_id,
                                      ve.c.kind == k.c.kind, ve.c.entity_id == k.c.entity_id,
                                      live_at(version))))
        return (select(k.c.kind, k.c.entity_id, ve.c.content_hash, de.c.content_hash,
                       de.c.updated_by).select_from(joined)
                .where(k.c.workspace_id == workspace_id,
                       de.c.content_hash.is_distinct_from(ve.c.content_hash)))

    @staticmethod
    def _all_changes(workspace_id: str, version: int) -> Any:
        """Every key of either side, compared by the database (a full outer join)."""
        de, ve = t.draft_entities, t.version_entities
        d = select(de.c.kind, de.c.entity_id, de.c.content_hash, de.c.updated_by).where(
            de.c.workspace_id == workspace_id).subquery("d")
        v = select(ve.c.kind, ve.c.entity_id, ve.c.content_hash).where(
            ve.c.workspace_id == workspace_id, live_at(version)).subquery("v")
        joined = d.join(v, and_(d.c.kind == v.c.kind, d.c.entity_id == v.c.entity_id),
                        full=True)
        return (select(func.coalesce(d.c.kind, v.c.kind), func.coalesce(d.c.entity_id,
                                                                         v.c.entity_id),
                       v.c.content_hash, d.c.content_hash, d.c.updated_by)
                .select_from(joined)
                .where(d.c.content_hash.is_distinct_from(v.c.content_hash)))

    async def mark_draft_synced(self, workspace_id: str, version: int) -> None:
        k, sync = t.draft_dirty, t.draft_sync
        await self._conn.execute(delete(k).where(k.c.workspace_id == workspace_id))
        stmt = self._insert(sync).values(workspace_id=workspace_id, version=version)
        await self._conn.execute(stmt.on_conflict_do_update(
            index_elements=["workspace_id"], set_={"version": stmt.excluded.version}))

    async def draft_digest(self, workspace_id: str) -> tuple[int, str]:
        if self._dialect == "postgresql":
            row = (await self._conn.execute(_PG_DIGEST, {"ws": workspace_id})).one()
            return int(row.n), str(row.h)
        de = t.draft_entities
        rows = (await self._conn.execute(select(de.c.kind, de.c.entity_id, de.c.content_hash)
                                         .where(de.c.workspace_id == workspace_id))).all()
        return len(rows), snapshot_hash((r[0], r[1], r[2]) for r in rows)

    async def draft_present(self, workspace_id: str, keys: Collection[Key]) -> set[Key]:
        de = t.draft_entities
        out: set[Key] = set()
        for chunk in _chunks(keys):
            rows = (await self._conn.execute(select(de.c.kind, de.c.entity_id).where(
                de.c.workspace_id == workspace_id,
                tuple_(de.c.kind, de.c.entity_id).in_(chunk)))).all()
            out.update((r[0], r[1]) for r in rows)
        return out

    async def version_present(self, workspace_id: str, version: int, keys: Collection[Key],
                              ) -> set[Key]:
        ve = t.version_entities
        out: set[Key] = set()
        for chunk in _chunks(keys):
            rows = (await self._conn.execute(select(ve.c.kind, ve.c.entity_id).where(
                ve.c.workspace_id == workspace_id, live_at(version),
                tuple_(ve.c.kind, ve.c.entity_id).in_(chunk)))).all()
            out.update((r[0], r[1]) for r in rows)
        return out

    async def draft_referrers(self, workspace_id: str, keys: Collection[Key],
                              ) -> dict[Key, str]:
        de = t.draft_entities
        return await self._referrers(de, de.c.workspace_id == workspace_id, keys)

    async def version_referrers(self, workspace_id: str, version: int, keys: Collection[Key],
                                ) -> dict[Key, str]:
        ve = t.version_entities
        return await self._referrers(ve, and_(ve.c.workspace_id == workspace_id,
                                              live_at(version)), keys)

    async def _referrers(self, side: Any, where: Any, keys: Collection[Key],
                         ) -> dict[Key, str]:
        r = t.entity_refs
        out: dict[Key, str] = {}
        for chunk in _chunks(keys):
            stmt = (select(side.c.kind, side.c.entity_id, side.c.content_hash).distinct()
                    .select_from(r.join(side, and_(side.c.kind == r.c.kind,
                                                   side.c.entity_id == r.c.entity_id,
                                                   side.c.content_hash == r.c.hash)))
                    .where(where, tuple_(r.c.ref_kind, r.c.ref_id).in_(chunk)))
            out.update({(row[0], row[1]): row[2]
                        for row in (await self._conn.execute(stmt)).all()})
        return out


__all__ = ["ChangeStore", "live_at"]
