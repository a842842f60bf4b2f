from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_asyncio

from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, start_config_service


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def config(postgres_url: str, redis_server: RedisServer, pg_engine: object,
                 ) -> AsyncIterator[ConfigHandle]:
    handle = await start_config_service(postgres_url, redis_server.url)
    yield handle
    await handle.stop()
