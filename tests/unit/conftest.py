"""The config-service use cases run on both storage engines: a fresh SQLite file per test,
and the session's real Postgres (marked, so the root conftest skips or fails it when the
server cannot start)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from config_service.adapters.sql.engine import make_engine, migrate
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncEngine | str:
    """The Postgres engine, or the URL of a fresh SQLite file."""
    if request.param == "postgres":
        engine: AsyncEngine = request.getfixturevalue("pg_engine")
        return engine
    return f"sqlite+aiosqlite:///{tmp_path}/x.db"


@pytest_asyncio.fixture(loop_scope="session")
async def uowf(store: AsyncEngine | str) -> AsyncIterator[SqlUnitOfWorkFactory]:
    if not isinstance(store, str):
        yield SqlUnitOfWorkFactory(store)
        return
    engine = make_engine(store)
    await migrate(engine)
    try:
        yield SqlUnitOfWorkFactory(engine)
    finally:
        await engine.dispose()
