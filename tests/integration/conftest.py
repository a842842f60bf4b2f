from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.harness.servers import RedisServer
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
