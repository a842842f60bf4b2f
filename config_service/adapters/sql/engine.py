"""Engine creation for either store, and schema migration through Alembic.

A caller must never wait forever on a store that is down or hung: Postgres connections are
made with a connect timeout and every statement runs under a command timeout
(agentconfig.database, from the settings), the pool hands out a connection within its
timeout or fails, and a pooled connection is pinged before use, so the service is back by
itself as soon as Postgres is. The unit of work turns these failures into Unavailable."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from agentconfig.database import DatabaseOptions, connect_args

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
READ_ONLY = "agentconfig_read_only"  # execution option of a unit of work that only reads


def make_engine(url: str, options: DatabaseOptions | None = None) -> AsyncEngine:
    if url.startswith("sqlite"):
        # One connection: SQLite has one writer anyway, and queuing on the pool (rather than
        # failing with "database is locked") keeps the embedded mode's writers serialised.
        engine = create_async_engine(url, poolclass=AsyncAdaptedQueuePool, pool_size=1,
                                     max_overflow=0, pool_timeout=30)
        event.listen(engine.sync_engine, "connect", _sqlite_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    options = options or DatabaseOptions()
    return create_async_engine(url, pool_size=options.pool_size,
                               max_overflow=options.max_overflow, pool_pre_ping=True,
                               pool_timeout=options.pool_timeout,
                               connect_args=connect_args(url, options))


def read_only_options(engine: AsyncEngine) -> dict[str, Any]:
    """Execution options for a unit of work that only reads: all its statements see one
    snapshot, so a revision it reads belongs to the content it reads with it. Postgres:
    REPEATABLE READ, READ ONLY (READ COMMITTED would give each statement a newer snapshot).
    SQLite: a deferred BEGIN (see ``_sqlite_begin``)."""
    if engine.dialect.name == "postgresql":
        return {"isolation_level": "REPEATABLE READ", "postgresql_readonly": True}
    return {READ_ONLY: True}


def _sqlite_connect(dbapi_conn: Any, _record: object) -> None:
    # The driver's legacy transaction handling starts a transaction only before an INSERT,
    # UPDATE or DELETE, so each SELECT would read on its own: take BEGIN over (below).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Every transaction really begins: a reader's statements share one WAL snapshot from
    its first read; a writer takes the write lock at once (IMMEDIATE), the SQLite form of
    the workspace lock, instead of failing to upgrade a read lock later."""
    read_only = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (safe to run at every start, from several
    processes on Postgres: Alembic's own table records what ran, and a lock serialises)."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


def _upgrade(conn: Connection, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = conn
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(715517)")
    command.upgrade(config, revision)
