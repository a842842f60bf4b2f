"""Workspaces, content-addressed entity bodies and the Draft."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, insert, select, tuple_, update
from sqlalchemy.engine import RowMapping

from config_service.adapters.sql import tables as t
from config_service.adapters.sql.repo_bulk import BulkStore
from config_service.adapters.sql.rows import (
    utc,
    workspace_from,
)
from config_service.domain.model import (
    DraftEntity,
    Key,
    Spec,
    Workspace,
)
from config_service.service.ports import Manifest


class DraftStore(BulkStore):
    # workspaces ------------------------------------------------------------------------
    async def add_workspace(self, workspace: Workspace) -> None:
        await self._conn.execute(insert(t.workspaces).values(self._ws_values(workspace)))

    @staticmethod
    def _ws_values(ws: Workspace) -> dict[str, Any]:
        return {"id": ws.id, "display_name": ws.display_name, "created_at": ws.created_at,
                "draft_revision": ws.draft_revision, "production_version":
                ws.production_version, "latest_version": ws.latest_version,
                "base_version": ws.base_version, "draft_updated_at": ws.draft_updated_at,
                "draft_updated_by": ws.draft_updated_by, "two_person_rule": ws.two_person_rule,
                "live_tool_ids": json.dumps(list(ws.live_tool_ids)),
                "require_passing_tests": ws.require_passing_tests}

    async def get_workspace(self, workspace_id: str) -> Workspace | None:
        row = await self._row(select(t.workspaces).where(t.workspaces.c.id == workspace_id))
        return workspace_from(row) if row else None

    async def lock_workspace(self, workspace_id: str) -> Workspace | None:
        row = await self._row(select(t.workspaces).where(t.workspaces.c.id == workspace_id)
                              .with_for_update())
        return workspace_from(row) if row else None

    async def save_workspace(self, workspace: Workspace) -> None:
        await self._conn.execute(update(t.workspaces)
                                 .where(t.workspaces.c.id == workspace.id)
                                 .values(self._ws_values(workspace)))

    async def list_workspaces(self, after: str, limit: int) -> list[Workspace]:
        rows = await self._rows(select(t.workspaces).where(t.workspaces.c.id > after)
                                .order_by(t.workspaces.c.id).limit(limit))
        return [workspace_from(r) for r in rows]

    # blobs (written by repo_bulk.py, with their references) ---------------------------
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
                           row["content_hash"], row["etag"], utc(row["updated_at"]),  # type: ignore[arg-type]
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
        await self.put_draft_entities(workspace_id, [entity])

    async def delete_draft_entity(self, workspace_id: str, key: Key) -> None:
        await self.delete_draft_entities(workspace_id, [key])

    async def count_draft_entities(self, workspace_id: str) -> int:
        d = t.draft_entities
        return int((await self._conn.execute(
            select(func.count()).where(d.c.workspace_id == workspace_id))).scalar_one())

