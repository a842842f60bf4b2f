from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime_service.adapters.database import make_engine
from tests.harness.servers import PostgresServer, RedisServer
from tests.harness.services import ConfigHandle, start_config_service


@pytest_asyncio.fixture(loop_scope="session")
async def two_instances(postgres_url: str, redis_server: RedisServer, pg_engine: object,
                        ) -> AsyncIterator[tuple[ConfigHandle, ConfigHandle]]:
    """Two config-service processes' worth of servers over one database."""
    a = await start_config_service(postgres_url, redis_server.url)
    b = await start_config_service(postgres_url, redis_server.url, migrate=False)
    yield a, b
    await a.stop()
    await b.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of its own, nothing migrated yet, on SQLite and on Postgres."""
    if request.param == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres")
        return server.create_database(f"empty_{uuid.uuid4().hex[:8]}")
    return f"sqlite+aiosqlite:///{tmp_path}/empty.db"


@pytest_asyncio.fixture(loop_scope="session")
async def engine(empty_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A runtime engine on ``empty_database_url`` (the conversation-log tests; a module may
    define its own ``engine``)."""
    made = make_engine(empty_database_url)
    try:
        yield made
    finally:
        await made.dispose()
