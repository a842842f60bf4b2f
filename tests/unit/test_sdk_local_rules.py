"""The LocalResolver's rules without a server: forward only, a snapshot that does not
verify is refused and the one served kept, bindings alone move without a version, and the
disk copy is refused when damaged or for another workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import grpc
import pytest

from agentconfig import errors
from agentconfig.client import local_copy
from agentconfig.client.local import LocalResolver
from agentconfig.resolution.snapshot import SnapshotCorrupt
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from tests.harness import builders as b
from tests.unit.test_runtime_resolve import snapshot

WEB = rpb.ChannelBinding(channel_id="web", type="web_widget", target_kind="agent",
                         target_id="support")


def _version(n: int, instructions: str) -> tuple[rpb.ServedFrom, pb.Snapshot]:
    snap = snapshot([b.agent("support", instructions=instructions)], version=n)
    snap.workspace_id = "ws"
    return rpb.ServedFrom(workspace_id="ws", version=n, content_hash=snap.content_hash), snap


def _flip_last_bit(folder: Path) -> None:
    path = next(folder.glob("production-*.pb"))
    data = path.read_bytes()
    path.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))


async def test_forward_only_and_refusals(tmp_path: Path) -> None:
    resolver = LocalResolver("ws", "unused:1", cache_dir=tmp_path)
    with pytest.raises(errors.Unavailable):
        resolver.resolve_channel("web")
    assert await resolver._take(*_version(2, "Two."), [WEB])
    assert resolver.resolve_channel("web").agent.effective_instructions == "Two."
    assert not await resolver._take(*_version(1, "One."), [WEB])  # older: ignored
    assert resolver.version == 2

    served, tampered = _version(3, "Three.")
    tampered.entities[0].agent.instructions = "Tampered."
    with pytest.raises(SnapshotCorrupt):
        await resolver._take(served, tampered, [WEB])
    assert resolver.resolve_channel("web").agent.effective_instructions == "Two."

    moved = rpb.ChannelBinding(channel_id="api", type="api", target_kind="agent",
                               target_id="support")
    assert await resolver._take(*_version(2, "Two."), [moved])  # same version, new bindings
    assert resolver.version == 2
    with pytest.raises(errors.NotFound) as caught:
        resolver.resolve_channel("web")
    assert caught.value.reason == "CHANNEL_NOT_FOUND"
    assert resolver.resolve_channel("api").served_from.version == 2


async def test_the_disk_copy(tmp_path: Path) -> None:
    resolver = LocalResolver("ws", "unused:1", cache_dir=tmp_path)
    await resolver._take(*_version(4, "Four."), [WEB])
    copy = local_copy.load(tmp_path, "ws")
    assert copy is not None and copy.snapshot.version == 4 and list(copy.channels) == [WEB]
    assert local_copy.load(tmp_path, "other") is None

    restarted = LocalResolver("ws", "unused:1", cache_dir=tmp_path)
    assert await restarted._from_disk()
    assert restarted.resolve_channel("web").agent.effective_instructions == "Four."

    _flip_last_bit(tmp_path)
    assert local_copy.load(tmp_path, "ws") is None
    assert not await LocalResolver("ws", "unused:1", cache_dir=tmp_path)._from_disk()


class _Tampering(rgrpc.RuntimeServiceServicer):
    """A runtime that sends a snapshot whose content does not match its hash."""

    async def GetProductionSnapshot(self, request: rpb.GetProductionSnapshotRequest,
                                    context: Any) -> rpb.GetProductionSnapshotResponse:
        served, snap = _version(5, "Five.")
        snap.entities[0].agent.instructions = "Tampered."
        return rpb.GetProductionSnapshotResponse(snapshot=snap, served_from=served,
                                                 channels=[WEB])


async def test_a_tampered_first_load_falls_back_to_the_disk_copy(tmp_path: Path) -> None:
    server = grpc.aio.server()
    rgrpc.add_RuntimeServiceServicer_to_server(_Tampering(), server)  # type: ignore[abstract]
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    target = f"127.0.0.1:{port}"
    try:
        with pytest.raises(errors.Unavailable) as caught:
            await LocalResolver("ws", target).start()
        assert caught.value.reason == "SNAPSHOT_CORRUPT"

        await LocalResolver("ws", "unused:1", cache_dir=tmp_path)._take(
            *_version(4, "Four."), [WEB])
        resolver = await LocalResolver("ws", target, cache_dir=tmp_path).start()
        assert resolver.resolve_channel("web").agent.effective_instructions == "Four."
        await resolver.close()
    finally:
        await server.stop(0)
