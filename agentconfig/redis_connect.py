"""The one way both services reach Redis: a plain URL (one server) or Redis Sentinel (a
master that can move to another host). Every client the services build comes from
``connect``, so a failover is followed the same way everywhere: with Sentinel, each new
connection first asks the sentinels where the master is now, so the relay's retries and
the runtime's re-subscriptions land on the promoted replica without code of their own."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Self

import redis.asyncio as aioredis
from pydantic import BaseModel, model_validator
from redis.asyncio.retry import Retry
from redis.asyncio.sentinel import Sentinel
from redis.backoff import NoBackoff

SENTINEL_PORT = 26379


class RedisSettings(BaseModel):
    """A pydantic mixin: ``AGENTCONFIG_REDIS_*`` for the config service,
    ``AGENTCONFIG_RUNTIME_REDIS_*`` for the runtime."""

    # A plain Redis URL. Empty, and no sentinels: no Redis at all (the embedded mode's
    # in-process bus, only inside `agentctl dev`).
    redis_url: str = ""
    # Redis Sentinel instead of the URL: "host:port,host:port" and the master's name.
    redis_sentinels: str = ""
    redis_sentinel_master: str = ""
    # The sentinels' own password (their requirepass), and the master's password and
    # database (a URL carries its own).
    redis_sentinel_password: str = ""
    redis_password: str = ""
    redis_db: int = 0

    @model_validator(mode="after")
    def _sentinel_needs_a_master(self) -> Self:
        if self.redis_sentinels and not self.redis_sentinel_master:
            raise ValueError("redis_sentinels needs redis_sentinel_master (the service name "
                             "the sentinels monitor)")
        return self

    def redis_target(self) -> RedisTarget | None:
        """None: no Redis configured."""
        if self.redis_sentinels:
            return RedisTarget(sentinels=parse_sentinels(self.redis_sentinels),
                               master=self.redis_sentinel_master,
                               sentinel_password=self.redis_sentinel_password,
                               password=self.redis_password, db=self.redis_db)
        return RedisTarget(url=self.redis_url) if self.redis_url else None


@dataclass(frozen=True)
class RedisTarget:
    url: str = ""
    sentinels: tuple[tuple[str, int], ...] = ()
    master: str = ""
    sentinel_password: str = ""
    password: str = ""
    db: int = 0

    def __str__(self) -> str:  # for logs: never a password
        if self.sentinels:
            hosts = ",".join(f"{h}:{p}" for h, p in self.sentinels)
            return f"sentinel master {self.master!r} via {hosts}"
        return self.url.split("@")[-1]


def parse_sentinels(text: str) -> tuple[tuple[str, int], ...]:
    """ "host:port,host:port" ("[::1]:26379" for IPv6; no port: 26379)."""
    out = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or host.endswith(":") or (host.count(":") and not host.startswith("[")):
            host, port = item, str(SENTINEL_PORT)
        if not port.isdigit():
            raise ValueError(f"bad sentinel address {item!r}: expected host:port")
        out.append((host.strip("[]"), int(port)))
    if not out:
        raise ValueError(f"no sentinel address in {text!r}")
    return tuple(out)


class _SentinelMaster(aioredis.Redis):
    """The master's client, closing the sentinel connections with its own: redis-py
    leaves them to whoever made the Sentinel, and here that is nobody else."""

    async def aclose(self, close_connection_pool: bool | None = None) -> None:
        manager = getattr(self.connection_pool, "sentinel_manager", None)
        await super().aclose(close_connection_pool)
        if manager is not None:
            await manager.aclose()


def connect(target: RedisTarget | str, **options: Any) -> aioredis.Redis:
    """A client for the master; ``options`` are redis-py's connection options (timeouts,
    health checks), applied to the sentinels' connections too where they are socket
    options."""
    if isinstance(target, str):
        target = RedisTarget(url=target)
    if not target.sentinels:
        return aioredis.Redis.from_url(target.url, **options)
    # No retries against one sentinel (redis-py's default is ten): the next sentinel in
    # the list is the retry, and a dead one must not hold up finding the master.
    sentinel_options = {k: v for k, v in options.items() if k.startswith("socket_")}
    sentinel_options["retry"] = Retry(NoBackoff(), 0)
    if target.sentinel_password:
        sentinel_options["password"] = target.sentinel_password
    sentinel = Sentinel(list(target.sentinels),  # type: ignore[no-untyped-call]
                        sentinel_kwargs=sentinel_options)
    client: aioredis.Redis = sentinel.master_for(
        target.master, redis_class=_SentinelMaster, password=target.password or None,
        db=target.db, **options)
    return client
