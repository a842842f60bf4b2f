"""Where production moves, channel changes and key revocations are announced: Redis (the
real topology) or the in-process bus (the embedded mode), with the contract of
agentconfig.bus. Notifications carry only a key; runtimes fetch the snapshot themselves, as
Apollo's clients do."""

from __future__ import annotations

import abc
import json
import logging

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from agentconfig.bus import (
    CHANNELS_CHANNEL,
    KEYS_CHANNEL,
    NOTIFY_CHANNEL,
    PRODUCTION_KEY,
    ROLLOUT_INDEX,
    ROLLOUT_KEY,
    InProcessBus,
    ProductionMove,
)
from agentconfig.errors import Unavailable
from agentconfig.redis_connect import RedisTarget, connect
from config_service.adapters.pointer_repair import SET_FORWARD_QUIETLY, RecentMoves, set_again
from config_service.service.ports import ChannelsAnnouncer, KeysAnnouncer, RolloutReader

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 1.0


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


def redis_client(target: RedisTarget | str) -> aioredis.Redis:
    """Short timeouts: a caller waiting on Redis gets UNAVAILABLE, the relay retries."""
    return connect(target, socket_timeout=2, socket_connect_timeout=2)


def redis_unavailable(exc: Exception) -> Unavailable:
    """What a caller waiting on Redis gets when it is down or does not answer in time."""
    return Unavailable(f"Redis cannot be reached or did not answer in time "
                       f"({type(exc).__name__}); retry shortly", reason="REDIS_UNAVAILABLE",
                       metadata={"dependency": "redis"},
                       retry_after_seconds=RETRY_AFTER_SECONDS)


class Publisher(ChannelsAnnouncer, KeysAnnouncer):
    @abc.abstractmethod
    async def publish(self, move: ProductionMove) -> None:
        """Raise if the move was not delivered; the relay keeps it and retries."""

    async def close(self) -> None:
        return None


class RedisPublisher(Publisher):
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client
        self._script = client.register_script(_SET_FORWARD)
        self._repair = client.register_script(SET_FORWARD_QUIETLY)
        self._recent = RecentMoves()
        self._failed = False  # the last attempt failed: the next success repairs

    @classmethod
    def connect(cls, target: RedisTarget | str) -> RedisPublisher:
        return cls(redis_client(target))

    async def publish(self, move: ProductionMove) -> None:
        try:
            await self._script(keys=[PRODUCTION_KEY.format(move.workspace_id)],
                               args=[move.version, move.content_hash, NOTIFY_CHANNEL,
                                     move.to_json()])
            if self._failed:
                await self._repair_pointers()
        except Exception:
            self._failed = True
            raise
        self._failed = False
        self._recent.remember(move)

    async def _repair_pointers(self) -> None:
        """After a failure: the pointers a failover lost, set again (pointer_repair.py)."""
        repaired = await set_again(self._repair, self._recent.moves())
        if repaired:
            log.warning("Redis had lost %d production pointers (a failover or a restart "
                        "without persistence); set them again", repaired)

    async def channels_changed(self, workspace_id: str) -> None:
        try:
            await self._client.publish(CHANNELS_CHANNEL,
                                       json.dumps({"workspace_id": workspace_id}))
        except aioredis.RedisError as exc:
            log.warning("channel change for %s not announced (%s); runtimes will pick it "
                        "up on reconcile", workspace_id, exc)

    async def key_revoked(self, key_id: str) -> None:
        try:
            await self._client.publish(KEYS_CHANNEL, json.dumps({"key_id": key_id}))
        except aioredis.RedisError as exc:
            log.error("revocation of key %s not announced (%s); runtimes drop it when their "
                      "cache entry expires", key_id, exc)

    async def close(self) -> None:
        await self._client.aclose()


class RedisRolloutReader(RolloutReader):
    def __init__(self, client: aioredis.Redis) -> None:
        self._client = client

    async def reports(self, workspace_id: str) -> list[dict[str, object]]:
        """The live reports: replicas in the workspace's index whose report has not expired
        (an expired one has no value left and is skipped). The caller waits on this, so
        Redis being down or slow is Unavailable (REDIS_UNAVAILABLE), not a bug."""
        try:
            replicas = await self._client.zrange(ROLLOUT_INDEX.format(workspace_id), 0, -1)
            keys = [ROLLOUT_KEY.format(workspace_id, r.decode() if isinstance(r, bytes) else r)
                    for r in replicas]
            values = await self._client.mget(keys) if keys else []
        except (RedisConnectionError, RedisTimeoutError) as exc:
            log.warning("redis unavailable: %r", exc)
            raise redis_unavailable(exc) from exc
        return [json.loads(v) for v in values if v]


class BusPublisher(Publisher, RolloutReader):
    """The embedded mode: the same contract over agentconfig.bus.InProcessBus."""

    def __init__(self, bus: InProcessBus) -> None:
        self.bus = bus

    async def publish(self, move: ProductionMove) -> None:
        self.bus.move(move)

    async def channels_changed(self, workspace_id: str) -> None:
        self.bus.channels_changed(workspace_id)

    async def key_revoked(self, key_id: str) -> None:
        self.bus.key_revoked(key_id)

    async def reports(self, workspace_id: str) -> list[dict[str, object]]:
        return [r for (ws, _), r in self.bus.rollout.items() if ws == workspace_id]
