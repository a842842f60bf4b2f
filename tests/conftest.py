"""Session-wide real servers. In CI (CI=true) or with AGENTCONFIG_REQUIRE_SERVERS=1 a server
that cannot start fails the run; elsewhere its tests are skipped with the reason."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine

from config_service.adapters.sql.engine import make_engine, migrate
from tests.harness.servers import PostgresServer, RedisServer, ServerUnavailable

REQUIRED = os.environ.get("CI") == "true" or os.environ.get("AGENTCONFIG_REQUIRE_SERVERS") == "1"


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} could not start: {exc}"
    if REQUIRED:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        server.start()
    except (ServerUnavailable, OSError, subprocess.CalledProcessError) as exc:
        _unavailable("Postgres", exc)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    try:
        server.start()
    except (ServerUnavailable, OSError) as exc:
        _unavailable("Redis", exc)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres: PostgresServer) -> str:
    return postgres.create_database("agentconfig_test")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(postgres_url)
    await migrate(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def ws_id() -> str:
    """A fresh workspace id per test: no cleanup needed between tests."""
    return f"ws-{uuid.uuid4().hex[:12]}"
