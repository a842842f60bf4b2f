"""Issue 2, item 6: version storage grows with what changed, not with workspace size times
the number of versions."""

from __future__ import annotations

import pytest
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from config_service.adapters.sql import tables as t
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import drafts, history, publishing, workspaces
from config_service.service.drafts import EntityInput
from config_service.service.ports import Announcer

pytestmark = [pytest.mark.postgres]
ENTITIES = 200
VERSIONS = 200


class _Quiet(Announcer):
    def poke(self) -> None:
        return None


def _component(i: int, text: str) -> EntityInput:
    return EntityInput("component", f"c-{i}", {"name": f"C{i}", "type": "COMPONENT_TYPE_CARD",
                                               "template": text}, "entity")


async def _rows(engine: AsyncEngine, table: Table, ws: str) -> int:
    column = table.c.workspace_id if "workspace_id" in table.c else None
    async with engine.connect() as conn:
        stmt = select(func.count()).select_from(table)
        if column is not None:
            stmt = stmt.where(column == ws)
        return int((await conn.execute(stmt)).scalar_one())


async def test_storage_grows_with_changes(pg_engine: AsyncEngine, ws_id: str) -> None:
    uowf = SqlUnitOfWorkFactory(pg_engine)
    await workspaces.create_workspace(uowf, ws_id, "")
    _, revision = await drafts.apply(uowf, ws_id, [_component(i, "v0") for i in range(ENTITIES)],
                                     [], 0, False, "bench")
    await publishing.publish(uowf, _Quiet(), publishing.PublishRequest(
        ws_id, "v1", "bench", "", reviewed_revision=revision))
    for n in range(1, VERSIONS):
        _, revision = await drafts.apply(uowf, ws_id, [_component(n % ENTITIES, f"v{n}")], [],
                                         0, False, "bench")
        await publishing.publish(uowf, _Quiet(), publishing.PublishRequest(
            ws_id, f"v{n + 1}", "bench", "", reviewed_revision=revision))

    rows = await _rows(pg_engine, t.version_entities, ws_id)
    naive = ENTITIES * VERSIONS
    print(f"\nversion_entities rows: {rows} for {VERSIONS} versions of {ENTITIES} entities "
          f"(a full copy per version would be {naive}; ratio {rows / naive:.4f})")
    assert rows == ENTITIES + (VERSIONS - 1)
    # the keys the Draft changed since Production (issue 11) are cleared by each publish
    assert await _rows(pg_engine, t.draft_dirty, ws_id) == 0
    # and every version still reads back whole and verifies
    for number in (1, VERSIONS // 2, VERSIONS):
        version, snap = await history.get_version(uowf, ws_id, number, True)
        assert snap is not None and len(snap.specs) == ENTITIES
        assert snap.content_hash == version.content_hash
