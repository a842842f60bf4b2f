"""The schema the Alembic migrations create is the one the repository queries
(config_service/adapters/sql/tables.py), on Postgres and on SQLite; there is one head; and
rows written before a migration still read as they did."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.bus import InProcessBus, ProductionMove
from config_service.adapters.notify import BusPublisher
from config_service.adapters.outbox_relay import OutboxRelay
from config_service.adapters.sql.engine import alembic_config, make_engine, migrate
from config_service.adapters.sql.tables import metadata
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import publishing, workspaces
from tests.harness.servers import PostgresServer
from tests.unit.use_case_helpers import RecordingAnnouncer


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _tables(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def _check(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        tables = await conn.run_sync(_tables)
        assert set(metadata.tables) <= tables, "the migration did not run"
        assert await conn.run_sync(_differences) == []


@pytest.mark.postgres
async def test_postgres_schema_matches_tables(postgres: PostgresServer) -> None:
    """On a database of its own: the shared test database also holds other services'
    tables."""
    engine = make_engine(postgres.create_database(f"migrations_{uuid.uuid4().hex[:8]}"))
    try:
        await migrate(engine)
        await _check(engine)
    finally:
        await engine.dispose()


async def test_sqlite_schema_matches_tables(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/x.db")
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_tables) == set()
        await migrate(engine)
        await migrate(engine)  # running again at the next start is a no-op
        await _check(engine)
    finally:
        await engine.dispose()


def test_comparison_is_not_vacuous() -> None:
    """A table the migration never created shows up as a difference."""
    extra = MetaData()
    for table in metadata.tables.values():
        table.to_metadata(extra)
    Table("not_migrated", extra, Column("id", Integer, primary_key=True))
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        metadata.create_all(conn)
        context = MigrationContext.configure(conn)
        diffs = compare_metadata(context, extra)
    assert [d[0] for d in diffs] == ["add_table"]
    assert diffs[0][1].name == "not_migrated"


def test_one_head() -> None:
    """Two migrations naming the same parent would leave `upgrade head` ambiguous."""
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


@pytest_asyncio.fixture(loop_scope="session")
async def empty_engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A config-service engine on a database nothing has migrated yet, on either engine."""
    engine = make_engine(empty_database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_versions_before_fingerprints_keep_their_retries(empty_engine: AsyncEngine,
                                                               ) -> None:
    """0003 adds the request fingerprint; a version written before it has none, and any
    retry with its request id still gets it, as it always did."""
    await migrate(empty_engine, "0002")
    at = datetime.now(UTC)
    async with empty_engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO workspaces (id, display_name, created_at, draft_revision, "
            "production_version, latest_version, base_version, draft_updated_by) "
            "VALUES ('ws-old', 'Old', :at, 3, 1, 1, 1, 'ann')"), {"at": at})
        await conn.execute(text(
            "INSERT INTO versions (workspace_id, number, content_hash, author, message, "
            "created_at, origin, restored_from, draft_revision, entity_count, changed_count, "
            "request_id, previous_version) VALUES ('ws-old', 1, :hash, 'ann', 'v1', :at, "
            "'draft', 0, 2, 1, 1, 'req-old', 0)"), {"at": at, "hash": "ab" * 32})
    await migrate(empty_engine)
    await _check(empty_engine)
    uowf = SqlUnitOfWorkFactory(empty_engine)
    other = publishing.PublishRequest("ws-old", "another message", "bob", "req-old",
                                      restore_version=1)
    old = await publishing.publish(uowf, RecordingAnnouncer(), other)
    assert (old.number, old.request_id, old.request_fingerprint) == (1, "req-old", "")


async def test_workspaces_before_test_suites_get_default_settings(empty_engine: AsyncEngine,
                                                                   ) -> None:
    """0004 adds the test-suite tables and two workspace settings; a workspace written
    before reads with no live tools and the publish gate off."""
    await migrate(empty_engine, "0003")
    async with empty_engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO workspaces (id, display_name, created_at, draft_revision, "
            "production_version, latest_version, base_version, draft_updated_by) "
            "VALUES ('ws-before', 'Before', :at, 0, 0, 0, 0, '')"), {"at": datetime.now(UTC)})
    await migrate(empty_engine)
    await _check(empty_engine)
    ws = await workspaces.get_workspace(SqlUnitOfWorkFactory(empty_engine), "ws-before")
    assert (ws.live_tool_ids, ws.require_passing_tests) == ((), False)


async def test_outbox_rows_before_trace_context_are_still_delivered(empty_engine: AsyncEngine,
                                                                    ) -> None:
    """0009 adds the publish's trace context to the outbox; a row pending from before it
    is delivered as it always was, with a notice that names no trace."""
    await migrate(empty_engine, "0008")
    async with empty_engine.begin() as conn:
        await conn.execute(text(
            "INSERT INTO outbox (workspace_id, version, content_hash, created_at) "
            "VALUES ('ws-old', 4, :hash, :at)"), {"hash": "cd" * 32, "at": datetime.now(UTC)})
    await migrate(empty_engine)
    await _check(empty_engine)
    bus = InProcessBus()
    moves: list[ProductionMove] = []
    bus.subscribe(moves.append, lambda _ws: None)
    assert await OutboxRelay(empty_engine, BusPublisher(bus)).deliver_pending() == 1
    assert moves == [ProductionMove("ws-old", 4, "cd" * 32)]
    assert moves[0].traceparent == ""


def _downgrade(conn: Connection, revision: str) -> list[str]:
    config = alembic_config()
    config.attributes["connection"] = conn
    command.downgrade(config, revision)
    return [column["name"] for column in inspect(conn).get_columns("outbox")]


async def test_the_trace_context_column_downgrades_and_upgrades_again(
        empty_engine: AsyncEngine) -> None:
    """0009 undone leaves the outbox as 0008 made it; done again, the schema matches."""
    await migrate(empty_engine)
    async with empty_engine.begin() as conn:
        assert "traceparent" not in await conn.run_sync(_downgrade, "0008")
    await migrate(empty_engine)
    await _check(empty_engine)
