"""Issue 9, pinning across replicas, on a real Redis: the shared conversation record is
created once however many replicas start a conversation at the same moment, expires with
the idle timeout, reads back what was written, and a damaged record is replaced, never
served. Two replicas' conversation services agree on a pin through it."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import redis.asyncio as aioredis

from agentconfig.bus import CONVERSATION_KEY
from runtime_service.adapters.conversation_records import RedisConversationRecords
from runtime_service.domain.conversation import ConversationState
from runtime_service.service.conversations import Conversations
from runtime_service.service.store import WorkspaceState
from tests.harness.servers import RedisServer
from tests.unit.test_runtime_conversations import V1, V2

pytestmark = [pytest.mark.redis]
H1, H2 = "1" * 64, "2" * 64


def _state(cid: str, version: int = 1, content_hash: str = H1) -> ConversationState:
    return ConversationState("ws-a", cid, version, content_hash, "support", 0, 1000.0)


async def test_claimed_once_then_read_back(redis_server: RedisServer) -> None:
    records = RedisConversationRecords(redis_server.url)
    cid = uuid.uuid4().hex
    try:
        claims = await asyncio.gather(*(
            records.claim(_state(cid, 1 + i % 2, H1 if i % 2 == 0 else H2), ttl=30)
            for i in range(20)))
        assert len({c.version for c in claims}) == 1  # every replica agrees on one pin
        moved = ConversationState("ws-a", cid, claims[0].version, claims[0].content_hash,
                                  "billing", 4, 2000.5)
        await records.put([moved], ttl=30)
        assert await records.claim(_state(cid, 2, H2), ttl=30) == moved
        client = aioredis.Redis.from_url(redis_server.url)
        raw = await client.get(CONVERSATION_KEY.format("ws-a", cid))
        assert raw is not None and json.loads(raw) == {"w": "ws-a", "c": cid, "v": moved.version,
                                   "h": moved.content_hash, "a": "billing", "n": 4,
                                   "t": 2000.5}
        assert 25_000 < await client.pttl(CONVERSATION_KEY.format("ws-a", cid)) <= 30_000
        await client.aclose()
    finally:
        await records.close()


async def test_expires_with_the_idle_timeout(redis_server: RedisServer) -> None:
    records = RedisConversationRecords(redis_server.url)
    cid = uuid.uuid4().hex
    try:
        await records.claim(_state(cid, 1, H1), ttl=0.2)
        assert (await records.claim(_state(cid, 2, H2), ttl=0.2)).version == 1
        await asyncio.sleep(0.3)
        assert (await records.claim(_state(cid, 2, H2), ttl=0.2)).version == 2
    finally:
        await records.close()


@pytest.mark.parametrize("damage", [
    b"not json", b"[]", b'{"w": "ws-a"}',
    json.dumps({"w": "ws-b", "c": "x", "v": 1, "h": H1, "a": "", "n": 0, "t": 1}).encode(),
    json.dumps({"w": "ws-a", "c": "{cid}", "v": 5, "h": "", "a": "", "n": 0, "t": 1}).encode(),
])
async def test_a_damaged_record_is_replaced_not_served(redis_server: RedisServer,
                                                       damage: bytes) -> None:
    records = RedisConversationRecords(redis_server.url)
    client = aioredis.Redis.from_url(redis_server.url)
    cid = uuid.uuid4().hex
    try:
        await client.set(CONVERSATION_KEY.format("ws-a", cid),
                         damage.replace(b"{cid}", cid.encode()))
        fresh = _state(cid, 2, H2)
        assert await records.claim(fresh, ttl=30) == fresh
        assert await records.claim(_state(cid, 1, H1), ttl=30) == fresh
    finally:
        await client.aclose()
        await records.close()


async def test_redis_unreachable_is_an_error_the_service_absorbs() -> None:
    records = RedisConversationRecords("redis://127.0.0.1:1/0", timeout=0.2)
    conversations = Conversations(60, records=records)
    state = WorkspaceState("ws-a")
    state.swap(V1)
    try:
        with pytest.raises((aioredis.ConnectionError, aioredis.TimeoutError, OSError)):
            await records.claim(_state("c"), ttl=1)
        opened = await conversations.start_turn(state, "c", "")
        assert opened.snapshot is V1
        conversations.end_turn(opened, "support")
        await conversations.flush()
    finally:
        await conversations.close()


async def test_two_replicas_agree_through_the_record(redis_server: RedisServer) -> None:
    a = Conversations(60, records=RedisConversationRecords(redis_server.url))
    b = Conversations(60, records=RedisConversationRecords(redis_server.url))
    on_a, on_b = WorkspaceState("ws"), WorkspaceState("ws")
    for state in (on_a, on_b):
        state.swap(V1)
    cid = uuid.uuid4().hex
    try:
        opened = await a.start_turn(on_a, cid, "")
        a.end_turn(opened, "billing")
        await a.flush()
        on_b.swap(V2)
        on_b.versions[1] = V1  # b holds v1 (fetching it is the loader's: unit tests)
        opened = await b.start_turn(on_b, cid, "")
        assert opened.snapshot is V1 and opened.state.current_agent_id == "billing"
        assert opened.state.turns == 1
    finally:
        await a.close()
        await b.close()
