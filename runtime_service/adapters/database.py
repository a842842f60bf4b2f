"""The runtime's database (for recording turns): engine and migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

from agentconfig.database import DatabaseOptions, connect_args

MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"


def make_engine(url: str, options: DatabaseOptions | None = None) -> AsyncEngine:
    if url.startswith("sqlite"):
        return create_async_engine(url, poolclass=AsyncAdaptedQueuePool, pool_size=1,
                                   max_overflow=0)
    options = options or DatabaseOptions(pool_size=4, max_overflow=4)
    return create_async_engine(url, pool_size=options.pool_size,
                               max_overflow=options.max_overflow, pool_pre_ping=True,
                               pool_timeout=options.pool_timeout,
                               connect_args=connect_args(url, options))


async def migrate(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade)


def _upgrade(conn: Connection) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(715518)")
    command.upgrade(config, "head")
