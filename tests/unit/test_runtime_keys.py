"""Issue 8, items 1 and 6: the runtime's key cache verifies callers from records it keeps on
disk while the config service is unreachable (bounded by a setting, expiry honoured, a
revocation applied as soon as the config service answers again), and stays bounded."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentconfig.apikeys import sha256
from agentconfig.errors import NotFound, Unauthenticated, Unavailable
from runtime_service.adapters.disk_keys import DiskKeyArchive
from runtime_service.domain.access import KeyInfo
from runtime_service.service.keys import KeyCache
from runtime_service.service.ports import VerifiedKey
from tests.unit.test_runtime_channel_refresh import _Config

SECRET = "s3cret-part"


def _info(key_id: str = "k1", *, revoked: bool = False,
          expire_at: datetime | None = None) -> KeyInfo:
    return KeyInfo(key_id, "ws-a", "channel", sha256(SECRET), expire_at, revoked,
                   frozenset({"web"}))


def _token(key_id: str = "k1") -> str:
    return f"agc_{key_id}_{SECRET}"


class _Keys(_Config):
    """A config service whose key records the test sets, and that it can take down."""

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, KeyInfo] = {}
        self.down = False
        self.calls = 0

    async def key(self, key_id: str) -> KeyInfo:
        self.calls += 1
        if self.down:
            raise Unavailable("config service: UNAVAILABLE", reason="CONFIG_SERVICE_UNAVAILABLE")
        if key_id not in self.records:
            raise NotFound("no such key")
        return self.records[key_id]


class _Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _cache(config: _Keys, folder: Path, clock: _Clock, **kw: float) -> KeyCache:
    values = {"ttl": 0.0, "offline_recheck_seconds": 0.0} | kw
    return KeyCache(config, DiskKeyArchive(folder), clock=clock, **values)  # type: ignore[arg-type]


async def test_restart_while_config_is_down_uses_the_disk_records(tmp_path: Path) -> None:
    config, clock = _Keys(), _Clock()
    config.records["k1"] = _info()
    first = _cache(config, tmp_path, clock)
    assert (await first.caller(_token())).channel_ids == {"web"}
    await first.save()
    assert SECRET not in (tmp_path / "keys.json").read_text()  # digests only

    config.down = True
    restarted = _cache(config, tmp_path, clock)
    restarted.load()
    assert (await restarted.caller(_token())).workspace_id == "ws-a"
    with pytest.raises(Unauthenticated):  # a wrong secret is still wrong offline
        await restarted.caller("agc_k1_wrong")
    with pytest.raises(Unavailable):  # a key never seen cannot be judged
        await restarted.caller(_token("k2"))


async def test_offline_trust_is_bounded_and_expiry_honoured(tmp_path: Path) -> None:
    config, clock = _Keys(), _Clock()
    soon = datetime.now(UTC) + timedelta(milliseconds=300)
    config.records |= {"k1": _info(), "k3": _info("k3", expire_at=soon)}
    cache = _cache(config, tmp_path, clock, offline_trust_seconds=60)
    await cache.caller(_token())
    await cache.caller(_token("k3"))
    config.down = True
    clock.now += 59
    await cache.caller(_token())
    await asyncio.sleep(0.35)
    with pytest.raises(Unauthenticated):
        await cache.caller(_token("k3"))
    clock.now += 2
    with pytest.raises(Unavailable) as refused:
        await cache.caller(_token())
    assert refused.value.reason == "CONFIG_SERVICE_UNAVAILABLE"


async def test_revocation_applies_as_soon_as_config_is_back(tmp_path: Path) -> None:
    config, clock = _Keys(), _Clock()
    config.records["k1"] = _info()
    first = _cache(config, tmp_path, clock, ttl=30)
    await first.caller(_token())
    await first.save()
    config.down = True
    cache = _cache(config, tmp_path, clock, ttl=30, offline_recheck_seconds=0.05)
    cache.load()  # restarted while the config service is down
    await cache.caller(_token())  # accepted offline, for offline_recheck_seconds only
    await cache.caller(_token())
    config.records["k1"] = _info(revoked=True)  # revoked elsewhere meanwhile
    config.down = False
    await asyncio.sleep(0.06)
    with pytest.raises(Unauthenticated):
        await cache.caller(_token())


async def test_revocation_notice_is_kept_on_disk(tmp_path: Path) -> None:
    config, clock = _Keys(), _Clock()
    config.records["k1"] = _info()
    cache = _cache(config, tmp_path, clock, ttl=30)
    await cache.caller(_token())
    cache.revoke("k1")
    await cache.save()
    config.down = True
    restarted = _cache(config, tmp_path, clock)
    restarted.load()
    with pytest.raises(Unauthenticated):
        await restarted.caller(_token())


async def test_unreachable_config_is_not_asked_on_every_call(tmp_path: Path) -> None:
    config, clock = _Keys(), _Clock()
    config.records["k1"] = _info()
    cache = _cache(config, tmp_path, clock, offline_recheck_seconds=5)
    await cache.caller(_token())
    config.down = True
    before = config.calls
    for _ in range(20):
        await cache.caller(_token())
    assert config.calls == before + 1


@pytest.mark.parametrize("damage", ["edit", "truncate", "format"])
def test_damaged_key_records_are_refused(tmp_path: Path, damage: str) -> None:
    archive = DiskKeyArchive(tmp_path)
    archive.save([VerifiedKey(_info(), 1.0)])
    path = tmp_path / "keys.json"
    if damage == "edit":
        path.write_text(path.read_text().replace('"channel"', '"admin"'))
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[:40])
    else:
        document = json.loads(path.read_text())
        document["format"] = 99
        path.write_text(json.dumps(document))
    assert archive.load() == []
    assert DiskKeyArchive(tmp_path / "none").load() == []


async def test_key_cache_stays_bounded_without_dropping_everything(tmp_path: Path) -> None:
    config, clock = _Keys(), _Clock()
    for n in range(12):
        config.records[f"k{n}"] = _info(f"k{n}")
    cache = KeyCache(config, None, clock=clock, max_keys=5)
    for n in range(12):
        await cache.caller(_token(f"k{n}"))
    assert len(cache._accepted) == 5
    assert len(cache._entries) == 5
    assert cache.accepted(_token("k11")) is not None  # the newest are kept
    assert cache.accepted(_token("k0")) is None
