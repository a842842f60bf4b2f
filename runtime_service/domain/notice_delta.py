"""A delta carried in a notice (config_service/adapters/notice_deltas.py has its format),
read only when its signature verifies under the key both services derive from the service
credential: a notice anyone could publish never puts content in front of gateways. What it
holds is then checked like any delta (snapshot_delta.apply_delta), hash by hash."""

from __future__ import annotations

import json
from typing import Any

from agentconfig.bus import ProductionMove
from agentconfig.kinds import entity_from_parts
from agentconfig.resolution.snapshot import SnapshotCorrupt
from runtime_service.domain.snapshot_delta import Delta


def carried_delta(move: ProductionMove, key: bytes) -> Delta:
    """The delta ``move`` carries. Raises SnapshotCorrupt when it is unsigned, forged or
    not in the expected shape."""
    if not move.delta_verifies(key):
        raise SnapshotCorrupt("the notice's delta is not signed by the config service")
    try:
        data: Any = json.loads(move.delta)
        changed = tuple((entity_from_parts(kind, entity_id, spec), digest)
                        for kind, entity_id, spec, digest in
                        ((c[0], c[1], c[3], c[2]) for c in data["changed"]))
        removed = tuple((str(kind), str(entity_id)) for kind, entity_id in data["removed"])
        return Delta(move.workspace_id, int(data["from"]), move.version, 0, move.content_hash,
                     int(data["count"]), changed, removed)
    except Exception as exc:  # outside data: whatever does not read is refused
        raise SnapshotCorrupt(f"the notice's delta does not read ({exc})") from None
