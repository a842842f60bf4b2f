"""Notifications from Redis (the real topology) or the in-process bus (the embedded mode),
with the contract of agentconfig.bus."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from typing import Any

import redis.asyncio as aioredis

from agentconfig.bus import (
    CHANNELS_CHANNEL,
    KEYS_CHANNEL,
    NOTIFY_CHANNEL,
    PRODUCTION_KEY,
    ROLLOUT_INDEX,
    ROLLOUT_KEY,
    InProcessBus,
    MalformedNotice,
    ProductionMove,
)
from agentconfig.metrics import NOTICES_REFUSED
from agentconfig.redis_connect import RedisTarget, connect
from runtime_service.service.ports import Notifications, OnChannels, OnMove, OnReconnect

log = logging.getLogger(__name__)


class RedisNotifications(Notifications):
    def __init__(self, target: RedisTarget | str, replica_id: str, *,
                 max_backoff: float = 1.0) -> None:
        self._client = connect(target, socket_timeout=2, socket_connect_timeout=2)
        self._target = target
        self._replica_id = replica_id
        self._max_backoff = max_backoff

    async def run(self, on_move: OnMove, on_channels: OnChannels,
                  on_reconnect: OnReconnect) -> None:
        """redis-py's asyncio pub/sub does not re-subscribe after a lost connection, so this
        loop does: a new subscription each time, then a reconcile for what was missed. The
        wait between attempts is capped (Redis is back within a second of being healthy)
        and jittered, so replicas do not reconnect in lockstep. Each attempt is a new
        client, so under Sentinel it asks where the master is now (after a failover: the
        promoted replica)."""
        delay = 0.1
        while True:
            client = connect(self._target, socket_connect_timeout=2, health_check_interval=5)
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(NOTIFY_CHANNEL, CHANNELS_CHANNEL, KEYS_CHANNEL)
                self.connected = True
                delay = 0.1
                on_reconnect()  # whatever moved before this subscription existed
                while True:
                    message = await pubsub.get_message(timeout=1.0)
                    if message is not None:
                        self._dispatch(message, on_move, on_channels)
            except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as exc:
                if self.connected:
                    log.warning("lost the Redis subscription (%s); re-subscribing", exc)
                self.connected = False
            finally:
                self.connected = False
                await pubsub.aclose()  # type: ignore[no-untyped-call]
                await client.aclose()
            await asyncio.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, self._max_backoff)

    def _dispatch(self, message: dict[str, object], on_move: OnMove,
                  on_channels: OnChannels) -> None:
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else channel
        data: Any = message["data"]
        try:
            if channel == NOTIFY_CHANNEL:
                on_move(ProductionMove.from_json(data))
            elif channel == KEYS_CHANNEL:
                if self.on_revoked is not None:
                    self.on_revoked(str(json.loads(data)["key_id"]))
            else:
                on_channels(str(json.loads(data)["workspace_id"]))
        except (ValueError, KeyError, TypeError) as exc:  # MalformedNotice is a ValueError
            NOTICES_REFUSED.labels("malformed").inc()
            log.warning("ignoring a malformed notification on %s (%s)", channel, exc)

    async def pointer(self, workspace_id: str) -> ProductionMove | None:
        value = await self._client.hgetall(PRODUCTION_KEY.format(workspace_id))
        if not value:
            return None
        try:
            digest = value[b"hash"]
            return ProductionMove.checked(workspace_id, int(value[b"version"]),
                                          digest.decode() if isinstance(digest, bytes)
                                          else digest)
        except (KeyError, ValueError, UnicodeDecodeError) as exc:
            NOTICES_REFUSED.labels("malformed").inc()
            raise MalformedNotice(f"the production pointer of {workspace_id!r} in Redis "
                                  f"is malformed ({exc})") from None

    async def report(self, workspace_id: str, report: dict[str, object], ttl: float) -> None:
        """The report itself expires; the index entry is dropped by whoever next reports to
        that workspace once it is older than the TTL."""
        now = time.time()
        index = ROLLOUT_INDEX.format(workspace_id)
        async with self._client.pipeline(transaction=False) as pipe:
            pipe.set(ROLLOUT_KEY.format(workspace_id, self._replica_id), json.dumps(report),
                     px=int(ttl * 1000))
            pipe.zadd(index, {self._replica_id: now})
            pipe.zremrangebyscore(index, 0, now - ttl)
            pipe.expire(index, int(ttl * 10) + 1)
            await pipe.execute()

    async def close(self) -> None:
        await self._client.aclose()


class BusNotifications(Notifications):
    def __init__(self, bus: InProcessBus, replica_id: str) -> None:
        self._bus = bus
        self._replica_id = replica_id

    async def run(self, on_move: OnMove, on_channels: OnChannels,
                  on_reconnect: OnReconnect) -> None:
        unsubscribe = self._bus.subscribe(on_move, on_channels)
        if self.on_revoked is not None:
            self._bus.on_revocation(self.on_revoked)
        self.connected = True
        try:
            await asyncio.Event().wait()
        finally:
            self.connected = False
            unsubscribe()

    async def pointer(self, workspace_id: str) -> ProductionMove | None:
        return self._bus.production.get(workspace_id)

    async def report(self, workspace_id: str, report: dict[str, object], ttl: float) -> None:
        self._bus.report(workspace_id, self._replica_id, report)
