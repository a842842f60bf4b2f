"""The reconcile re-reads channel bindings only when asked (a new subscription) or every
channel_refresh_seconds, not on every pass: with N replicas and W workspaces that would be
the config service's main load."""

from __future__ import annotations

from pathlib import Path

from agentconfig.bus import ProductionMove
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.domain.access import KeyInfo
from runtime_service.service.conversations import Conversations
from runtime_service.service.loader import Loader
from runtime_service.service.ports import (
    ChannelBinding,
    ConfigSource,
    Notifications,
    OnChannels,
    OnMove,
    OnReconnect,
)
from runtime_service.service.store import Store
from tests.harness import workspace
from tests.unit.test_runtime_resolve import snapshot


class _Config(ConfigSource):
    def __init__(self) -> None:
        self.channel_reads = 0

    async def production(self, workspace_id: str) -> pb.Snapshot:
        snap = snapshot(workspace.entities())
        snap.workspace_id = workspace_id
        return snap

    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        return await self.production(workspace_id)

    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot:
        return await self.production(workspace_id)

    async def channels(self, workspace_id: str) -> list[ChannelBinding]:
        self.channel_reads += 1
        return [ChannelBinding("web", "web_widget", "agent", "support")]

    async def key(self, key_id: str) -> KeyInfo:
        raise NotImplementedError


class _Quiet(Notifications):
    async def run(self, on_move: OnMove, on_channels: OnChannels,
                  on_reconnect: OnReconnect) -> None:
        return None

    async def pointer(self, workspace_id: str) -> ProductionMove | None:
        return None

    async def report(self, workspace_id: str, report: dict[str, object], ttl: float) -> None:
        return None


async def test_channels_are_reread_when_due_or_asked(tmp_path: Path) -> None:
    config = _Config()
    loader = Loader(Store(), config, _Quiet(), DiskSnapshotCache(tmp_path), Conversations(60),
                    replica_id="r", channel_refresh_seconds=3600)
    await loader.ensure("ws")
    assert config.channel_reads == 1
    for _ in range(5):
        await loader.reconcile()
    assert config.channel_reads == 1  # not due yet
    await loader.reconcile(channels=True)  # e.g. after a new subscription
    assert config.channel_reads == 2
    loader.channel_refresh_seconds = 0
    await loader.reconcile()
    assert config.channel_reads == 3
