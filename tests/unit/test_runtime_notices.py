"""Issue 8, items 5 and 6: every malformed notice or pointer is refused cleanly (counted,
never an exception left in a task), a snapshot is never installed without the channel
bindings of its time, and a fetch that failed is retried soon rather than at the next
reconcile."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from agentconfig.bus import MalformedNotice, ProductionMove
from agentconfig.errors import NotFound, Unavailable
from agentconfig.metrics import NOTICES_REFUSED
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.adapters.notifications import RedisNotifications
from runtime_service.service.conversations import Conversations
from runtime_service.service.loader import Loader
from runtime_service.service.ports import ChannelBinding
from runtime_service.service.store import Store
from tests.unit.test_runtime_channel_refresh import _Config, _Quiet

HASH = "ab" * 32


def _notice(**fields: object) -> str:
    return json.dumps({"workspace_id": "ws-a", "version": 3, "content_hash": HASH} | fields)


GOOD = _notice()


@pytest.mark.parametrize("raw", [
    _notice(version=2**40), _notice(version=0), _notice(version=-1), _notice(version="3"),
    _notice(version=3.5), _notice(version=True), _notice(version=None),
    _notice(content_hash="xyz"), _notice(content_hash=HASH.upper()),
    _notice(workspace_id="../etc"), _notice(workspace_id=7), _notice(workspace_id=""),
    json.dumps({"version": 3, "content_hash": HASH}),
    "[1, 2, 3]", '"text"', "not json", "", "\xff",
])
def test_malformed_notices_are_refused(raw: str) -> None:
    with pytest.raises(MalformedNotice):
        ProductionMove.from_json(raw)


def test_a_good_notice_parses() -> None:
    assert ProductionMove.from_json(GOOD) == ProductionMove("ws-a", 3, HASH)


def test_dispatch_counts_malformed_notices(caplog: pytest.LogCaptureFixture) -> None:
    notifications = RedisNotifications("redis://127.0.0.1:1/0", "r")
    moves: list[ProductionMove] = []
    before = NOTICES_REFUSED.labels("malformed")._value.get()
    for data in (_notice(version=2**40), GOOD):
        notifications._dispatch({"channel": b"agentconfig:production", "data": data},
                                moves.append, lambda _ws: None)
    assert moves == [ProductionMove("ws-a", 3, HASH)]
    assert NOTICES_REFUSED.labels("malformed")._value.get() == before + 1


class _Flaky(_Config):
    """No production before the first publish; down for a few calls when told."""

    def __init__(self) -> None:
        super().__init__()
        self.published = False
        self.failures = 0
        self.bindings = [ChannelBinding("web", "web_widget", "agent", "support")]

    async def production(self, workspace_id: str) -> pb.Snapshot:
        if not self.published:
            raise NotFound("nothing published", reason="NO_PRODUCTION")
        return await super().production(workspace_id)

    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        if self.failures:
            self.failures -= 1
            raise Unavailable("config service: UNAVAILABLE")
        snap = await super().production(workspace_id)
        snap.version = number
        return snap

    async def channels(self, workspace_id: str) -> list[ChannelBinding]:
        self.channel_reads += 1
        return list(self.bindings)


def _loader(config: _Flaky, tmp_path: Path, reconcile: float = 60) -> Loader:
    return Loader(Store(), config, _Quiet(), DiskSnapshotCache(tmp_path), Conversations(60),
                  replica_id="r", reconcile_seconds=reconcile, channel_refresh_seconds=3600)


async def test_go_live_brings_the_channels_of_a_replica_asked_before(tmp_path: Path) -> None:
    config = _Flaky()
    loader = _loader(config, tmp_path)
    with pytest.raises(Exception, match="nothing is published"):
        await loader.ensure("ws-a")
    config.published = True
    version = await config.version("ws-a", 1)
    await loader.advance(ProductionMove("ws-a", 1, version.content_hash))
    state = loader.store.get("ws-a")
    assert state is not None and state.current is not None
    assert set(state.channels) == {"web"}


async def test_failed_fetch_is_retried_soon(tmp_path: Path) -> None:
    config = _Flaky()
    config.published = True
    loader = _loader(config, tmp_path, reconcile=60)
    await loader.ensure("ws-a")
    v2 = await config.version("ws-a", 2)
    config.failures = 3
    loader.on_move(ProductionMove("ws-a", 2, v2.content_hash))
    for _ in range(100):
        state = loader.store.get("ws-a")
        if state is not None and state.current is not None and state.current.version == 2:
            break
        await asyncio.sleep(0.02)
    assert state is not None and state.current is not None and state.current.version == 2


class _ForgedPointer(_Quiet):
    async def pointer(self, workspace_id: str) -> ProductionMove | None:
        raise MalformedNotice("version is not a whole number")


async def test_forged_pointer_does_not_stop_the_reconcile(tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture,
                                                          ) -> None:
    config = _Flaky()
    config.published = True
    loader = Loader(Store(), config, _ForgedPointer(), DiskSnapshotCache(tmp_path),
                    Conversations(60), replica_id="r")
    await loader.ensure("ws-a")
    with caplog.at_level(logging.WARNING):
        await loader.reconcile()
        await loader.reconcile()
    assert "whole number" in caplog.text


async def test_background_failures_are_logged_not_lost(tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture,
                                                       ) -> None:
    loader = _loader(_Flaky(), tmp_path)

    async def boom() -> None:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR):
        loader._spawn(boom())
        await asyncio.sleep(0.01)
    assert "background reload failed" in caplog.text
