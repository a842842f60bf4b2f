"""The shared record of conversation states: a Redis string per conversation
(agentconfig.bus.CONVERSATION_KEY) in the real topology, the in-process bus's map in the
embedded mode. Values are the JSON of domain/conversation.py's fields; one that does not
read back (damaged, or written by something else) counts as no record and is replaced."""

from __future__ import annotations

import json
import logging
import time

from agentconfig.bus import CONVERSATION_KEY, InProcessBus
from agentconfig.redis_connect import RedisTarget, connect
from runtime_service.domain.conversation import (
    ConversationState,
    MalformedState,
    from_fields,
    to_json,
)
from runtime_service.service.ports import ConversationRecords

log = logging.getLogger(__name__)

# Return the record if there is one, else set ARGV[1] with a TTL of ARGV[2] ms: one round
# trip, and two replicas starting a conversation at once agree on the first pin.
CLAIM = """
local found = redis.call('GET', KEYS[1])
if found then return found end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false
"""


def _encode(state: ConversationState) -> str:
    return to_json(state)


def _decode(raw: str | bytes, state: ConversationState) -> ConversationState | None:
    """The stored state, if it is one of ``state``'s conversation."""
    try:
        found = from_fields(json.loads(raw))
    except (MalformedState, ValueError) as exc:
        log.warning("replacing a malformed conversation record (%s)", exc)
        return None
    if (found.workspace_id, found.conversation_id) != (state.workspace_id,
                                                        state.conversation_id):
        log.warning("replacing a conversation record that names another conversation")
        return None
    return found


def _key(state: ConversationState) -> str:
    return CONVERSATION_KEY.format(state.workspace_id, state.conversation_id)


class RedisConversationRecords(ConversationRecords):
    """Short timeouts: the read is on a first turn's path, and a failure only means the
    turn starts from Production (service/shared_records.py)."""

    def __init__(self, target: RedisTarget | str, timeout: float = 0.5) -> None:
        self._client = connect(target, socket_timeout=timeout, socket_connect_timeout=timeout)
        self._claim = self._client.register_script(CLAIM)

    async def claim(self, state: ConversationState, ttl: float) -> ConversationState:
        found = await self._claim(keys=[_key(state)],
                                  args=[_encode(state), max(1, int(ttl * 1000))])
        if not found:
            return state
        stored = _decode(found, state)
        if stored is None:
            await self.put([state], ttl)
            return state
        return stored

    async def put(self, states: list[ConversationState], ttl: float) -> None:
        async with self._client.pipeline(transaction=False) as pipe:
            for state in states:
                pipe.set(_key(state), _encode(state), px=max(1, int(ttl * 1000)))
            await pipe.execute()

    async def close(self) -> None:
        await self._client.aclose()


class BusConversationRecords(ConversationRecords):
    """The embedded mode's: the map lives on the in-process bus, beside the production
    pointers, with Redis's expiry semantics."""

    def __init__(self, bus: InProcessBus, max_records: int = 100_000) -> None:
        self._bus = bus
        self._max = max_records

    async def claim(self, state: ConversationState, ttl: float) -> ConversationState:
        entry = self._bus.conversations.get((state.workspace_id, state.conversation_id))
        if entry is not None and entry[1] > time.time():
            stored = _decode(entry[0], state)
            if stored is not None:
                return stored
        await self.put([state], ttl)
        return state

    async def put(self, states: list[ConversationState], ttl: float) -> None:
        records = self._bus.conversations
        now = time.time()
        for state in states:
            key = (state.workspace_id, state.conversation_id)
            records.pop(key, None)  # re-inserted last: the map stays in write order
            records[key] = (_encode(state), now + ttl)
        # in write order, so (one TTL for all) the expired and the oldest are in front
        while records and (len(records) > self._max
                           or next(iter(records.values()))[1] <= now):
            del records[next(iter(records))]
