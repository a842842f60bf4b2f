"""What a LocalResolver answers from, and the one rule for replacing it: a newer version
only once it verifies, the same version only for new bindings, never an older one."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field

from agentconfig.resolution.snapshot import ServingSnapshot, build
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb

OFF_LOOP_ABOVE = 200  # entities: verifying a larger snapshot runs in a thread


@dataclass(frozen=True)
class Serving:
    """Swapped whole: a reader sees one version's snapshot and its bindings."""

    snapshot: ServingSnapshot
    channels: dict[str, rpb.ChannelBinding] = field(default_factory=dict)


async def successor(current: Serving | None, served: rpb.ServedFrom, snapshot: pb.Snapshot,
                    channels: Iterable[rpb.ChannelBinding]) -> Serving | None:
    """The Serving to swap in, or None when nothing moved. Raises SnapshotCorrupt when a
    newer snapshot does not verify (by its own hash and the one announced)."""
    bindings = {b.channel_id: b for b in channels}  # iterated once: it may be a generator
    if current is not None and served.version <= current.snapshot.version:
        if served.version < current.snapshot.version or bindings == current.channels:
            return None
        return Serving(current.snapshot, bindings)
    if len(snapshot.entities) > OFF_LOOP_ABOVE:
        built = await asyncio.to_thread(build, snapshot, served.content_hash, production=True)
    else:
        built = build(snapshot, served.content_hash, production=True)
    return Serving(built, bindings)
