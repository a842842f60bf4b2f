"""Where production moves are announced: Redis (the real topology) or an in-process bus (the
embedded mode). Both carry only a key (workspace, version, hash); runtimes fetch the
snapshot themselves, as Apollo's clients do.

The Redis contract (shared with the runtime; see docs/architecture.md):
  HASH  agentconfig:production:<workspace>  {version, hash}   only ever moves forward
  PUBSUB channel agentconfig:production      JSON {workspace_id, version, content_hash}
  STRING agentconfig:rollout:<ws>:<replica>  JSON {replica_id, version, content_hash,
                                             load_time, report_time}, set by each runtime
                                             replica with a TTL
"""

from __future__ import annotations

import abc
import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass

import redis.asyncio as aioredis

from config_service.service.ports import RolloutReader

PRODUCTION_KEY = "agentconfig:production:{}"
NOTIFY_CHANNEL = "agentconfig:production"
ROLLOUT_KEY = "agentconfig:rollout:{}:{}"  # workspace, replica id; JSON with a TTL

# Set the pointer only if it moves forward, then notify (always: a redelivered outbox row
# must still reach a runtime that missed the first notification; runtimes ignore repeats).
_SET_FORWARD = """
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[1], 'version', ARGV[1], 'hash', ARGV[2])
end
redis.call('PUBLISH', ARGV[3], ARGV[4])
return current
"""


def redis_client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)


@dataclass(frozen=True)
class ProductionMove:
    workspace_id: str
    version: int
    content_hash: str

    def to_json(self) -> str:
        return json.dumps({"workspace_id": self.workspace_id, "version": self.version,
                           "content_hash": self.content_hash})


class Publisher(abc.ABC):
    @abc.abstractmethod
    async def publish(self, move: ProductionMove) -> None:
        """Raise if the move was not delivered; the relay keeps it and retries."""

    async def close(self) -> None:
        return None


class RedisPublisher(Publisher):
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._script = client.register_script(_SET_FORWARD)

    @classmethod
    def from_url(cls, url: str) -> RedisPublisher:
        return cls(redis_client(url))

    async def publish(self, move: ProductionMove) -> None:
        await self._script(keys=[PRODUCTION_KEY.format(move.workspace_id)],
                           args=[move.version, move.content_hash, NOTIFY_CHANNEL,
                                 move.to_json()])

    async def close(self) -> None:
        await self._client.aclose()


class RedisRolloutReader(RolloutReader):
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def reports(self, workspace_id: str) -> list[dict[str, object]]:
        keys = [key async for key in self._client.scan_iter(
            match=ROLLOUT_KEY.format(workspace_id, "*"), count=500)]
        values = await self._client.mget(keys) if keys else []
        return [json.loads(v) for v in values if v]


Listener = Callable[[ProductionMove], None]


class InProcessBus(Publisher, RolloutReader):
    """The embedded mode's Redis: the production pointer, subscribers and replica reports
    in one process."""

    def __init__(self) -> None:
        self.production: dict[str, ProductionMove] = {}
        self.rollout: dict[tuple[str, str], dict[str, object]] = {}
        self._listeners: list[Listener] = []

    async def reports(self, workspace_id: str) -> list[dict[str, object]]:
        return [r for (ws, _), r in self.rollout.items() if ws == workspace_id]

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    async def publish(self, move: ProductionMove) -> None:
        current = self.production.get(move.workspace_id)
        if current is None or move.version > current.version:
            self.production[move.workspace_id] = move
        for listener in list(self._listeners):
            listener(move)
        await asyncio.sleep(0)
