"""The schema the Alembic migrations create is the one the repository queries
(config_service/adapters/sql/tables.py), on Postgres and on SQLite."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from config_service.adapters.sql.engine import make_engine, migrate
from config_service.adapters.sql.tables import metadata
from tests.harness.servers import PostgresServer


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
