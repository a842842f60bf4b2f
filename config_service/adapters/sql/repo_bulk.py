"""Writing many bodies and Draft entities in a few statements (issue 11: a bulk apply of
10,000 entities makes no round trip per entity; an executemany of an INSERT is sent as
multi-row INSERTs by SQLAlchemy's insertmanyvalues). A body's references are written with
the body, once, by whoever inserts it."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import delete, select, tuple_

from agentconfig.canonical import canonical_json
from agentconfig.references import references
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import SqlBase
from config_service.domain.model import DraftEntity, Key, Spec

_ROWS = 1000  # rows per statement: well under the drivers' parameter limits


def _batches(rows: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), _ROWS):
        yield rows[start:start + _ROWS]


def _ref_rows(blobs: dict[str, tuple[str, str, Spec]], inserted: Collection[str],
              ) -> list[dict[str, str]]:
    out = []
    for digest in sorted(inserted):
        kind, entity_id, spec = blobs[digest]
        for ref_kind, ref_id in sorted({(r.kind, r.entity_id) for r in references(kind, spec)}):
            out.append({"hash": digest, "ref_kind": ref_kind, "ref_id": ref_id, "kind": kind,
                        "entity_id": entity_id})
    return out


class BulkStore(SqlBase):
    async def put_blobs(self, blobs: dict[str, tuple[str, str, Spec]]) -> None:
        """One executemany (SQLAlchemy batches it into multi-row INSERTs, compiled once)."""
        if not blobs:
            return
        values = [{"hash": h, "kind": k, "entity_id": i, "spec": canonical_json(s)}
                  for h, (k, i, s) in sorted(blobs.items())]
        stmt = (self._insert(t.entity_blobs).on_conflict_do_nothing(index_elements=["hash"])
                .returning(t.entity_blobs.c.hash))
        inserted = [r[0] for r in (await self._conn.execute(stmt, values)).all()]
        refs = _ref_rows(blobs, inserted)
        if refs:
            await self._conn.execute(self._insert(t.entity_refs).on_conflict_do_nothing(), refs)

    async def put_draft_entities(self, workspace_id: str,
                                 entities: Collection[DraftEntity]) -> None:
        if not entities:
            return
        await self.put_blobs({e.content_hash: (e.kind, e.entity_id, e.spec) for e in entities})
        values = [{"workspace_id": workspace_id, "kind": e.kind, "entity_id": e.entity_id,
                   "content_hash": e.content_hash, "etag": e.etag, "updated_at": e.updated_at,
                   "updated_by": e.updated_by} for e in entities]
        stmt = self._insert(t.draft_entities)
        await self._conn.execute(stmt.on_conflict_do_update(
            index_elements=["workspace_id", "kind", "entity_id"],
            set_={k: stmt.excluded[k] for k in ("content_hash", "etag", "updated_at",
                                                  "updated_by")}), values)
        await self._mark_dirty(workspace_id, [e.key for e in entities])

    async def _mark_dirty(self, workspace_id: str, keys: Collection[Key]) -> None:
        """Every Draft write names its key here (see mark_draft_synced)."""
        if keys:
            await self._conn.execute(self._insert(t.draft_dirty).on_conflict_do_nothing(), [
                {"workspace_id": workspace_id, "kind": k, "entity_id": i} for k, i in keys])

    async def delete_draft_entities(self, workspace_id: str, keys: Collection[Key]) -> None:
        d = t.draft_entities
        await self._mark_dirty(workspace_id, keys)
        for batch in _batches(sorted(keys)):
            await self._conn.execute(delete(d).where(
                d.c.workspace_id == workspace_id,
                tuple_(d.c.kind, d.c.entity_id).in_(list(batch))))

    async def draft_stamps(self, workspace_id: str, keys: Collection[Key],
                           ) -> dict[Key, tuple[str, str]]:
        d = t.draft_entities
        out: dict[Key, tuple[str, str]] = {}
        for batch in _batches(sorted(keys)):
            stmt = select(d.c.kind, d.c.entity_id, d.c.content_hash, d.c.etag)
            rows = (await self._conn.execute(stmt.where(
                d.c.workspace_id == workspace_id,
                tuple_(d.c.kind, d.c.entity_id).in_(list(batch))))).all()
            out.update({(r[0], r[1]): (r[2], r[3]) for r in rows})
        return out
