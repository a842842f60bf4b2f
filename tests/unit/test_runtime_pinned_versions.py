"""Issue 9, pinning across replicas (on fakes): a version a conversation is pinned to that
a replica does not hold is fetched once however many turns ask, verified against the hash
the conversation started on, kept beside Production (never swapped in as Production), and
not asked for again at once when the config service cannot give it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.service.conversations import Conversations
from runtime_service.service.loader import Loader
from runtime_service.service.store import Store
from tests.harness import workspace
from tests.unit.test_runtime_channel_refresh import _Config, _Quiet
from tests.unit.test_runtime_resolve import snapshot


def _version(number: int, instructions: str) -> pb.Snapshot:
    snap = snapshot(workspace.entities(instructions), number)
    snap.workspace_id = "ws"
    return snap


class _Versions(_Config):
    def __init__(self) -> None:
        super().__init__()
        self.versions = {1: _version(1, "One."), 2: _version(2, "Two.")}
        self.asked: list[int] = []
        self.down = False

    async def production(self, workspace_id: str) -> pb.Snapshot:
        return self.versions[2]

    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        self.asked.append(number)
        await asyncio.sleep(0.01)
        if self.down:
            raise Unavailable("config service: UNAVAILABLE")
        return self.versions[number]


def _loader(config: _Versions, tmp_path: Path) -> Loader:
    return Loader(Store(), config, _Quiet(), DiskSnapshotCache(tmp_path), Conversations(60),
                  replica_id="r", negative_seconds=60)


async def test_fetched_once_verified_and_kept_beside_production(tmp_path: Path) -> None:
    config = _Versions()
    loader = _loader(config, tmp_path)
    state = await loader.ensure("ws")
    v1_hash = config.versions[1].content_hash
    got = await asyncio.gather(*(loader.load_pinned("ws", 1, v1_hash) for _ in range(20)))
    assert config.asked == [1]
    assert all(g is got[0] and g is not None and g.version == 1 for g in got)
    assert got[0] is not None and got[0].production
    assert state.current is not None and state.current.version == 2
    assert set(state.versions) == {1, 2}
    assert await loader.load_pinned("ws", 1, v1_hash) is got[0]
    assert config.asked == [1]


async def test_a_version_that_does_not_hash_as_pinned_is_refused(tmp_path: Path) -> None:
    config = _Versions()
    loader = _loader(config, tmp_path)
    state = await loader.ensure("ws")
    assert await loader.load_pinned("ws", 1, "f" * 64) is None
    assert set(state.versions) == {2} and config.asked == [1]
    config.versions[1].entities[0].tool.description = "tampered"
    fresh = _loader(config, tmp_path)
    state = await fresh.ensure("ws")
    assert await fresh.load_pinned("ws", 1, "") is None  # not the hash it claims either
    assert set(state.versions) == {2} and config.asked == [1, 1]


async def test_config_service_down_is_not_asked_every_turn(tmp_path: Path) -> None:
    config = _Versions()
    loader = _loader(config, tmp_path)
    await loader.ensure("ws")
    config.down = True
    v1_hash = config.versions[1].content_hash
    assert await loader.load_pinned("ws", 1, v1_hash) is None
    assert await loader.load_pinned("ws", 1, v1_hash) is None
    assert config.asked == [1] and not loader.config_reachable
