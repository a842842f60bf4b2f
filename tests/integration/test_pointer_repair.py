"""A Redis that comes back without the pointers it had acknowledged (a promoted replica that
had not received the last writes, or a restart without persistence) gets them again from
the publisher at its first success after the failure, only forward, without a notice."""

from __future__ import annotations

import pytest
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError

from agentconfig.bus import NOTIFY_CHANNEL, PRODUCTION_KEY, ProductionMove
from config_service.adapters.notify import RedisPublisher
from config_service.adapters.pointer_repair import RecentMoves
from tests.harness.servers import RedisServer

pytestmark = [pytest.mark.redis]


def _move(ws: str, version: int) -> ProductionMove:
    return ProductionMove(ws, version, f"{version:064x}")


async def test_pointers_lost_with_the_old_master_are_set_again() -> None:
    redis = RedisServer().start()  # its own: this test stops it
    publisher = RedisPublisher.connect(redis.url)
    client = aioredis.Redis.from_url(redis.url)
    try:
        await publisher.publish(_move("ws-a", 1))
        await publisher.publish(_move("ws-a", 2))
        redis.stop()  # the master dies; its replacement never saw ws-a's pointer
        with pytest.raises(RedisConnectionError):
            await publisher.publish(_move("ws-b", 1))
        redis.start()  # same port, empty: no persistence
        pubsub = client.pubsub()
        await pubsub.subscribe(NOTIFY_CHANNEL)
        assert (await pubsub.get_message(timeout=5))["type"] == "subscribe"
        await publisher.publish(_move("ws-b", 1))  # the relay's retry
        assert await client.hget(PRODUCTION_KEY.format("ws-a"), "version") == b"2"
        assert await client.hget(PRODUCTION_KEY.format("ws-b"), "version") == b"1"
        notices = []
        while (message := await pubsub.get_message(ignore_subscribe_messages=True,
                                                   timeout=0.2)) is not None:
            notices.append(ProductionMove.from_json(message["data"]).workspace_id)
        assert notices == ["ws-b"]  # the repair sets pointers; the reconcile reads them
        await pubsub.aclose()  # type: ignore[no-untyped-call]
    finally:
        await publisher.close()
        await client.aclose()
        redis.stop()


def test_only_the_newest_move_of_a_workspace_within_the_window_is_kept() -> None:
    now = [0.0]
    recent = RecentMoves(window=10.0, clock=lambda: now[0])
    recent.remember(_move("a", 2))
    recent.remember(_move("a", 1))  # an older, reordered delivery
    now[0] = 5.0
    recent.remember(_move("b", 1))
    assert sorted((m.workspace_id, m.version) for m in recent.moves()) == [("a", 2), ("b", 1)]
    now[0] = 12.0
    assert [(m.workspace_id, m.version) for m in recent.moves()] == [("b", 1)]
    now[0] = 30.0
    recent.remember(_move("c", 1))
    assert [(m.workspace_id, m.version) for m in recent.moves()] == [("c", 1)]
