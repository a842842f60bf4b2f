"""Postgres settings reach the driver (issue 13): the pool size and timeouts, TLS modes, and
the URL's several-hosts form, tried in order, so a primary that moved is found."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agentconfig.database import DatabaseOptions, connect_args
from agentconfig.errors import Unavailable
from config_service.adapters.sql.engine import make_engine
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.settings import ConfigServiceSettings
from tests.harness.servers import PostgresServer, free_port

pytestmark = [pytest.mark.postgres]


async def _select_one(url: str, options: DatabaseOptions) -> int:
    engine = make_engine(url, options)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text("SELECT 1"))).scalar_one())
    finally:
        await engine.dispose()


async def test_several_hosts_are_tried_in_order(postgres: PostgresServer) -> None:
    dead = free_port()
    url = (f"postgresql+asyncpg://postgres@/postgres?host=127.0.0.1:{dead}"
           f"&host=127.0.0.1:{postgres.port}&target_session_attrs=read-write")
    assert await _select_one(url, DatabaseOptions()) == 1


async def test_pool_size_and_timeouts_from_settings(postgres: PostgresServer,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCONFIG_DATABASE_POOL_SIZE", "3")
    monkeypatch.setenv("AGENTCONFIG_DATABASE_MAX_OVERFLOW", "0")
    monkeypatch.setenv("AGENTCONFIG_DATABASE_COMMAND_TIMEOUT_SECONDS", "0.5")
    options = ConfigServiceSettings().database_options()
    engine = make_engine(postgres.url(), options)
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        with pytest.raises(Unavailable):  # a statement past the command timeout
            async with SqlUnitOfWorkFactory(engine)(read_only=True) as uow:
                await uow.repo._conn.execute(text("SELECT pg_sleep(3)"))  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


@pytest.mark.parametrize("mode, connects", [("disable", True), ("prefer", True),
                                            ("require", False)])
async def test_tls_modes_reach_the_driver(postgres: PostgresServer, mode: str,
                                          connects: bool) -> None:
    """The test server has no TLS: "require" must refuse to go on in plaintext."""
    options = DatabaseOptions(tls_mode=mode)
    if connects:
        assert await _select_one(postgres.url(), options) == 1
    else:
        with pytest.raises(Exception, match=r"(?i)ssl"):
            await _select_one(postgres.url(), options)


def test_connect_args() -> None:
    url = "postgresql+asyncpg://u@h/db"
    assert connect_args(url, DatabaseOptions()) == {"timeout": 5.0, "command_timeout": 15.0}
    assert connect_args(url + "?command_timeout=2", DatabaseOptions())["command_timeout"] == 2
    assert connect_args(url, DatabaseOptions(tls_mode="require"))["ssl"] == "require"
    assert connect_args("sqlite+aiosqlite:///x.db", DatabaseOptions(tls_mode="require")) == {}
    with pytest.raises(ValueError):
        DatabaseOptions(tls_mode="sometimes")
