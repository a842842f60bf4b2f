"""Migration 0005 moves every stored hash to RFC 8785 and back, keeping every version's
number: written with the old scheme at 0004, upgraded, each hash verifies with
agentconfig.canonical; downgraded, every row is byte for byte what it was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest_asyncio
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.canonical import entity_hash, snapshot_hash
from config_service.adapters.sql.engine import alembic_config, make_engine, migrate

WS = "ws-hash"
AT = datetime(2026, 11, 1, tzinfo=UTC)
Entity = tuple[str, str, dict[str, Any]]
NOVA_2: Entity = ("voice", "nova", {"voice_name": "nova", "speed": 2.0})  # RFC 8785: "2"
NOVA_15: Entity = ("voice", "nova", {"voice_name": "nova", "speed": 1.5})  # unchanged
AGENT: Entity = ("agent", "a", {"name": "A", "model": "m", "instructions": "hi",
                                 "temperature": 0.5})
TOOL: Entity = ("tool", "t", {"name": "t", "input_schema": {
    "type": "object", "properties": {"n": {"type": "integer", "maximum": 14.0}}}})
# (entity, from_version, to_version): v1 = nova@2.0 + a; v2 = nova@1.5 + a + t; v3 = v1 again
RANGES: list[tuple[Entity, int, int | None]] = [
    (NOVA_2, 1, 2), (NOVA_15, 2, 3), (NOVA_2, 3, None), (AGENT, 1, None), (TOOL, 2, 3)]
DRAFT: list[Entity] = [NOVA_2, AGENT, TOOL]
VERSIONS: dict[int, list[Entity]] = {
    1: [NOVA_2, AGENT], 2: [NOVA_15, AGENT, TOOL], 3: [NOVA_2, AGENT]}
TABLES = {"entity_blobs": "hash", "draft_entities": "entity_id",
          "version_entities": "entity_id, from_version", "backup_entities": "entity_id",
          "versions": "number", "outbox": "id", "test_runs": "seq"}


def _downgrade(conn: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, revision)


def _legacy(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _legacy_entity(entity: Entity) -> str:
    kind, entity_id, spec = entity
    return hashlib.sha256(_legacy({"id": entity_id, "kind": kind, "spec": spec}).encode())\
        .hexdigest()


def _legacy_snapshot(entities: list[Entity]) -> str:
    rows = sorted([k, i, _legacy_entity((k, i, s))] for k, i, s in entities)
    return hashlib.sha256(_legacy(rows).encode()).hexdigest()


def _new_snapshot(entities: list[Entity]) -> str:
    return snapshot_hash((k, i, entity_hash(k, i, s)) for k, i, s in entities)


@pytest_asyncio.fixture(loop_scope="session")
async def engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    made = make_engine(empty_database_url)
    try:
        yield made
    finally:
        await made.dispose()


async def _write_legacy(engine: AsyncEngine) -> None:
    sql: list[tuple[str, list[dict[str, Any]]]] = [
        ("INSERT INTO workspaces (id, display_name, created_at, draft_revision, "
         "production_version, latest_version, base_version, draft_updated_by) "
         "VALUES (:ws, 'H', :at, 7, 3, 3, 3, 'ann')", [{}]),
        ("INSERT INTO entity_blobs (hash, kind, entity_id, spec) VALUES (:h, :k, :i, :s)",
         [{"h": _legacy_entity(e), "k": e[0], "i": e[1], "s": _legacy(e[2])}
          for e in (NOVA_2, NOVA_15, AGENT, TOOL)]),
        ("INSERT INTO draft_entities (workspace_id, kind, entity_id, content_hash, etag, "
         "updated_at, updated_by) VALUES (:ws, :k, :i, :h, :etag, :at, 'ann')",
         [{"k": e[0], "i": e[1], "h": _legacy_entity(e), "etag": f"7-{_legacy_entity(e)[:10]}"}
          for e in DRAFT]),
        ("INSERT INTO version_entities (workspace_id, kind, entity_id, from_version, "
         "to_version, content_hash) VALUES (:ws, :k, :i, :f, :t, :h)",
         [{"k": e[0], "i": e[1], "f": f, "t": t, "h": _legacy_entity(e)} for e, f, t in RANGES]),
        ("INSERT INTO versions (workspace_id, number, content_hash, author, message, "
         "created_at, origin, restored_from, draft_revision, entity_count, changed_count, "
         "previous_version) VALUES (:ws, :n, :h, 'ann', 'm', :at, 'draft', 0, 1, 2, 1, 0)",
         [{"n": n, "h": _legacy_snapshot(es)} for n, es in VERSIONS.items()]),
        ("INSERT INTO outbox (workspace_id, version, content_hash, created_at) "
         "VALUES (:ws, :n, :h, :at)",
         [{"n": n, "h": _legacy_snapshot(es)} for n, es in VERSIONS.items()]),
        ("INSERT INTO draft_backups (backup_id, workspace_id, draft_revision, entity_count, "
         "created_at, created_by, reason) VALUES ('b1', :ws, 5, 1, :at, 'ann', 'restore')", [{}]),
        ("INSERT INTO backup_entities (backup_id, kind, entity_id, content_hash) "
         "VALUES ('b1', 'voice', 'nova', :h)", [{"h": _legacy_entity(NOVA_2)}]),
        ("INSERT INTO test_runs (workspace_id, test_run_id, source, version, draft_revision, "
         "content_hash, passed_count, failed_count, created_at, created_by) "
         "VALUES (:ws, :id, :src, :n, :rev, :h, 1, 0, :at, 'ann')",
         [{"id": "on-draft", "src": "draft", "n": 0, "rev": 7, "h": _legacy_snapshot(DRAFT)},
          {"id": "on-v2", "src": "version", "n": 2, "rev": 0, "h": _legacy_snapshot(
              VERSIONS[2])},
          {"id": "old-draft", "src": "draft", "n": 0, "rev": 2, "h": "cd" * 32}]),
    ]
    async with engine.begin() as conn:
        for statement, rows in sql:
            await conn.execute(text(statement), [{"ws": WS, "at": AT, **r} for r in rows])


async def _rows(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    async with engine.connect() as conn:
        return {t: [tuple(r) for r in (await conn.execute(
            text(f"SELECT * FROM {t} ORDER BY {order}"))).all()]
            for t, order in TABLES.items()}


async def _scalars(engine: AsyncEngine, sql: str) -> list[Any]:
    async with engine.connect() as conn:
        return [r[0] for r in (await conn.execute(text(sql))).all()]


async def test_rehash_keeps_numbers_and_verifies_then_downgrades_exactly(
        engine: AsyncEngine) -> None:
    await migrate(engine, "0004")
    await _write_legacy(engine)
    before = await _rows(engine)
    await migrate(engine, "0005")

    assert await _scalars(engine, "SELECT number FROM versions ORDER BY number") == [1, 2, 3]
    assert await _scalars(engine, "SELECT content_hash FROM versions ORDER BY number") == \
        [_new_snapshot(VERSIONS[n]) for n in (1, 2, 3)]
    assert await _scalars(engine, "SELECT content_hash FROM outbox ORDER BY version") == \
        [_new_snapshot(VERSIONS[n]) for n in (1, 2, 3)]
    assert sorted(await _scalars(engine, "SELECT hash FROM entity_blobs")) == \
        sorted(entity_hash(*e) for e in (NOVA_2, NOVA_15, AGENT, TOOL))
    assert await _scalars(engine, "SELECT etag FROM draft_entities ORDER BY kind") == \
        [f"7-{entity_hash(*e)[:10]}" for e in sorted(DRAFT)]
    for table in ("draft_entities", "version_entities", "backup_entities"):
        assert await _scalars(engine, f"SELECT count(*) FROM {table} WHERE content_hash NOT IN "
                                      "(SELECT hash FROM entity_blobs)") == [0], table
    assert await _scalars(engine, "SELECT content_hash FROM backup_entities") == \
        [entity_hash(*NOVA_2)]
    assert await _scalars(engine, "SELECT content_hash FROM test_runs ORDER BY seq") == \
        [_new_snapshot(DRAFT), _new_snapshot(VERSIONS[2]), "cd" * 32]
    assert entity_hash(*NOVA_2) != _legacy_entity(NOVA_2)  # the vector is not vacuous
    assert entity_hash(*AGENT) == _legacy_entity(AGENT)

    async with engine.begin() as conn:
        await conn.run_sync(_downgrade, "0004")
    assert await _rows(engine) == before
