"""Issue 2, item 4: publishes succeed while Redis is down, and the production pointer and
notification catch up by themselves when it returns."""

from __future__ import annotations

import json
import uuid

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select

from agentconfig.v1 import config_service_pb2 as cpb
from config_service.adapters.sql.tables import outbox
from tests.harness import builders as b
from tests.harness.servers import PostgresServer, RedisServer
from tests.harness.services import start_config_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _pending(handle_engine: object, ws: str) -> int:
    async with handle_engine.connect() as conn:  # type: ignore[attr-defined]
        return int((await conn.execute(select(func.count()).where(
            outbox.c.workspace_id == ws, outbox.c.delivered_at.is_(None)))).scalar_one())


async def test_publish_while_redis_is_down_then_catch_up(postgres: PostgresServer,
                                                         ws_id: str) -> None:
    # A database of its own: relays of other live instances must not deliver this test's
    # outbox rows to their (different) Redis.
    database = postgres.create_database(f"outage_{uuid.uuid4().hex[:8]}")
    redis = RedisServer().start()
    handle = await start_config_service(database, redis.url)
    handle.app.relay._max_backoff = 0.5
    try:
        stub = handle.stub
        await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
        redis.stop()
        numbers = []
        for i in range(3):
            edit = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
                workspace_id=ws_id, entity=b.tool(f"tool-{i}")))
            published = await stub.PublishDraft(cpb.PublishDraftRequest(
                workspace_id=ws_id, reviewed_revision=edit.draft_revision, message=f"{i}"))
            numbers.append(published.version.number)
        assert numbers == [1, 2, 3]
        assert await _pending(handle.app.engine, ws_id) == 3

        redis.start()  # same port: no reconfiguration, no manual step
        client = aioredis.Redis.from_url(redis.url)
        pubsub = client.pubsub()
        await pubsub.subscribe("agentconfig:production")
        seen: list[int] = []
        for _ in range(200):
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.05)
            if message:
                body = json.loads(message["data"])
                if body["workspace_id"] == ws_id:
                    seen.append(body["version"])
            pointer = await client.hget(f"agentconfig:production:{ws_id}", "version")
            if pointer == b"3" and 3 in seen:
                break
        assert pointer == b"3"
        assert 3 in seen
        assert await _pending(handle.app.engine, ws_id) == 0
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()
    finally:
        await handle.stop()
        redis.stop()
