"""A replica's ordinary start serves its last-known-good disk copy at INFO; the WARNING is
kept for a disk copy served because the config service cannot be reached (the first
reconcile finds out, and says so once)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.service.conversations import Conversations
from runtime_service.service.loader import Loader
from runtime_service.service.store import Store
from tests.unit.test_runtime_channel_refresh import _Config, _Quiet


class _Down(_Config):
    async def production(self, workspace_id: str) -> pb.Snapshot:
        raise Unavailable("config service: UNAVAILABLE")


def _loader(config: _Config, tmp_path: Path) -> Loader:
    return Loader(Store(), config, _Quiet(), DiskSnapshotCache(tmp_path), Conversations(60),
                  replica_id="r", channel_refresh_seconds=3600)


async def _restart(config: _Config, tmp_path: Path) -> Loader:
    await _loader(_Config(), tmp_path).ensure("ws-a")  # the run before: a copy on disk
    loader = _loader(config, tmp_path)
    loader.preload_from_disk()
    return loader


def _records(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


async def test_ordinary_start_is_info(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="runtime_service"):
        loader = await _restart(_Config(), tmp_path)
        await loader.reconcile()
    assert any("loaded ws-a v" in m and "from disk, confirming with the config service" in m
               for m in _records(caplog, logging.INFO))
    assert _records(caplog, logging.WARNING) == []
    state = loader.store.get("ws-a")
    assert state is not None and not state.from_disk


async def test_unreachable_config_service_warns_once(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture,
                                                     ) -> None:
    with caplog.at_level(logging.INFO, logger="runtime_service"):
        loader = await _restart(_Down(), tmp_path)
        assert _records(caplog, logging.WARNING) == []  # the start itself is ordinary
        await loader.reconcile()
        await loader.reconcile()
    warnings = [m for m in _records(caplog, logging.WARNING) if "disk copy" in m]
    assert len(warnings) == 1
    assert "ws-a" in warnings[0] and "config service is unreachable" in warnings[0]
    state = loader.store.get("ws-a")
    assert state is not None and state.from_disk
