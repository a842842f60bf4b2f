"""Both services read Redis the same way: a URL, or sentinels and the master's name; the
addresses an operator writes are read as written, and a half-configured Sentinel is refused
at start rather than found out at the first publish."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from redis.exceptions import ConnectionError as RedisConnectionError

from agentconfig.redis_connect import RedisTarget, connect, parse_sentinels
from config_service.settings import ConfigServiceSettings
from runtime_service.settings import RuntimeSettings


def test_sentinel_addresses_are_read_as_written() -> None:
    assert parse_sentinels("a:1, b:2,,c") == (("a", 1), ("b", 2), ("c", 26379))
    assert parse_sentinels("[::1]:26380,::1") == (("::1", 26380), ("::1", 26379))
    with pytest.raises(ValueError):
        parse_sentinels("a:port")
    with pytest.raises(ValueError):
        parse_sentinels(" , ")


def test_each_service_reads_its_own_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTCONFIG_REDIS_SENTINELS", "s1:26379,s2:26379")
    monkeypatch.setenv("AGENTCONFIG_REDIS_SENTINEL_MASTER", "agentconfig")
    monkeypatch.setenv("AGENTCONFIG_RUNTIME_REDIS_URL", "redis://r:6379/0")
    config = ConfigServiceSettings().redis_target()
    assert config == RedisTarget(sentinels=(("s1", 26379), ("s2", 26379)),
                                 master="agentconfig")
    assert RuntimeSettings().redis_target() == RedisTarget(url="redis://r:6379/0")
    assert RuntimeSettings(redis_url="").redis_target() is None  # the embedded mode


def test_sentinels_without_a_master_name_are_refused() -> None:
    with pytest.raises(ValidationError, match="redis_sentinel_master"):
        RuntimeSettings(redis_sentinels="s1:26379")


def test_logs_never_show_a_password() -> None:
    assert "secret" not in str(RedisTarget(url="redis://:secret@h:6379/0"))
    assert "secret" not in str(RedisTarget(sentinels=(("s", 1),), master="m",
                                           password="secret", sentinel_password="secret"))


async def test_a_sentinel_client_asks_the_sentinels_and_closes_them_too() -> None:
    client = connect(RedisTarget(sentinels=(("127.0.0.1", 1),), master="m", db=2),
                     socket_timeout=0.2, socket_connect_timeout=0.2)
    pool = client.connection_pool
    assert pool.connection_kwargs["db"] == 2
    # MasterNotFoundError, a ConnectionError: what the relay and the subscriber retry on
    with pytest.raises(RedisConnectionError, match="No master found"):
        await client.ping()
    await client.aclose()
