"""A runtime's loader stops, whenever it is stopped, against a real Redis.

redis-py can return a reply to a task whose cancel it accepted (agentconfig/tasks.py); a
loader cancelled once during its reconcile's pointer read then went on forever (the CI hung
300 s in a test's teardown). Here a loader that reads the pointer almost continuously is
started and stopped many times, at random moments; every stop must end."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from agentconfig.bus import PRODUCTION_KEY
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.adapters.notifications import RedisNotifications
from runtime_service.service.conversations import Conversations
from runtime_service.service.loader import Loader
from runtime_service.service.store import Store
from tests.harness.servers import RedisServer
from tests.unit.test_runtime_channel_refresh import _Config

pytestmark = [pytest.mark.redis]

CYCLES = 150


async def test_a_loader_stopped_mid_read_always_ends(redis_server: RedisServer,
                                                      tmp_path: Path) -> None:
    client = aioredis.from_url(redis_server.url)
    await client.hset(PRODUCTION_KEY.format("ws-cancel"),
                      mapping={"version": 1, "hash": "ab" * 32})
    await client.aclose()
    notifications = RedisNotifications(redis_server.url, "r-cancel")
    try:
        for _ in range(CYCLES):
            loader = Loader(Store(), _Config(), notifications, DiskSnapshotCache(tmp_path),
                            Conversations(60), replica_id="r-cancel",
                            reconcile_seconds=0.0001, channel_refresh_seconds=3600)
            await loader.ensure("ws-cancel")
            loader.start()
            await asyncio.sleep(random.uniform(0.001, 0.01))
            await asyncio.wait_for(loader.stop(), timeout=5)
            assert loader._task is not None and loader._task.done()
    finally:
        await notifications.close()
