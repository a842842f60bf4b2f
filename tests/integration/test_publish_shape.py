"""Issue 11, what must show 2: a one-entity publish, diffs and validation do the same work in
a 2,000-entity workspace as in a 100-entity one. Counted, not timed: the SQL statements each
issues and the rows those statements return or touch, with an SQLAlchemy event hook on real
Postgres."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import drafts, history, publishing, workspaces
from config_service.service.common import manifest_hash
from config_service.service.drafts import EntityInput
from tests.unit.use_case_helpers import RecordingAnnouncer

pytestmark = [pytest.mark.postgres]
SMALL, LARGE = 100, 2000


@dataclass
class Counts:
    statements: int = 0
    rows: int = 0
    texts: list[str] = field(default_factory=list)


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[Counts]:
    counts = Counts()

    def after(conn: Any, cursor: Any, statement: str, params: Any, context: Any,
              many: bool) -> None:
        counts.statements += 1
        counts.rows += max(cursor.rowcount, 0)
        counts.texts.append(statement.split("\n")[0][:80])

    event.listen(engine.sync_engine, "after_cursor_execute", after)
    try:
        yield counts
    finally:
        event.remove(engine.sync_engine, "after_cursor_execute", after)


def _component(i: int, text: str = "v0") -> EntityInput:
    return EntityInput("component", f"c-{i}", {"name": f"C{i}", "type": "COMPONENT_TYPE_CARD",
                                               "template": text}, "entity")


def _tool_and_agent() -> list[EntityInput]:
    tool = {"name": "weather", "description": "d", "endpoint_url": "https://x.example.com/w",
            "method": "HTTP_METHOD_GET", "input_schema": {"type": "object"}}
    agent = {"name": "A", "instructions": "i", "model": "m", "tool_ids": ["weather"],
             "component_ids": ["c-0"]}
    return [EntityInput("tool", "weather", tool, "entity"),
            EntityInput("agent", "support", agent, "entity")]


async def _workspace(uowf: SqlUnitOfWorkFactory, ws: str, size: int) -> None:
    await workspaces.create_workspace(uowf, ws, "")
    items = _tool_and_agent() + [_component(i) for i in range(size - 2)]
    for start in range(0, len(items), 500):
        await drafts.apply(uowf, ws, items[start:start + 500], [], 0, False, "ann")
    draft, _ = await drafts.get_draft(uowf, ws)
    await _publish(uowf, ws, draft.draft_revision)


async def _publish(uowf: SqlUnitOfWorkFactory, ws: str, revision: int) -> None:
    await publishing.publish(uowf, RecordingAnnouncer(), publishing.PublishRequest(
        ws, "m", "ann", "", reviewed_revision=revision))


async def _one_change(uowf: SqlUnitOfWorkFactory, engine: AsyncEngine, ws: str, text: str,
                      ) -> dict[str, Counts]:
    """Change c-0 (which the agent uses), then count validate, diff, publish and the diff
    of the two versions."""
    _, revision = await drafts.apply(uowf, ws, [_component(0, text)], [], 0, False, "ann")
    steps: dict[str, Callable[[], Awaitable[object]]] = {
        "validate": lambda: drafts.validate(uowf, ws),
        "diff": lambda: history.diff_draft(uowf, ws),
        "publish": lambda: _publish(uowf, ws, revision),
        "diff versions": lambda: history.diff_versions(uowf, ws, 2, 1)}
    out = {}
    for name, step in steps.items():
        with counting(engine) as counts:
            await step()
        out[name] = counts
    return out


async def test_one_entity_change_costs_the_same_at_any_size(pg_engine: AsyncEngine,
                                                            ws_id: str) -> None:
    uowf = SqlUnitOfWorkFactory(pg_engine)
    found = {}
    for size in (SMALL, LARGE):
        ws = f"{ws_id}-{size}"
        await _workspace(uowf, ws, size)
        found[size] = await _one_change(uowf, pg_engine, ws, "v1")
    for step in ("validate", "diff", "publish", "diff versions"):
        small, large = found[SMALL][step], found[LARGE][step]
        print(f"\n{step}: {small.statements} statements / {small.rows} rows at {SMALL}; "
              f"{large.statements} / {large.rows} at {LARGE}: {large.texts}")
        assert large.statements == small.statements, (small.texts, large.texts)
        assert large.rows == small.rows


async def test_store_hash_is_the_snapshot_hash(pg_engine: AsyncEngine, ws_id: str) -> None:
    """The Draft hash Postgres computes in SQL (repo_changes.py) is snapshot_hash's."""
    uowf = SqlUnitOfWorkFactory(pg_engine)
    await workspaces.create_workspace(uowf, ws_id, "")
    async with uowf(read_only=True) as uow:
        assert (await uow.repo.draft_digest(ws_id))[1] == manifest_hash({})
    await drafts.apply(uowf, ws_id, _tool_and_agent() + [_component(i) for i in range(30)],
                       [], 0, False, "ann")
    async with uowf(read_only=True) as uow:
        count, digest = await uow.repo.draft_digest(ws_id)
        manifest = await uow.repo.draft_manifest(ws_id)
    assert (count, digest) == (32, manifest_hash(manifest))
