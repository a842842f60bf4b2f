"""The rollout states a replica serves by, on local disk beside the snapshots, so a
replica restarted mid-rollout (even with the config service down) assigns new
conversations as before. One JSON file, written atomically, carrying its SHA-256: a damaged
copy is refused (the replica then asks the config service)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from agentconfig.canonical import stable_json
from agentconfig.rollouts import RolloutState
from runtime_service.adapters.disk_cache import write_atomically
from runtime_service.service.ports import RolloutArchive

log = logging.getLogger(__name__)
FILE = "rollouts.json"
FORMAT = 1


def _row(workspace_id: str, r: RolloutState) -> dict[str, Any]:
    return {"workspace_id": workspace_id, "rollout_id": r.rollout_id, "sequence": r.sequence,
            "candidate_version": r.candidate_version, "share_bp": r.share_bp,
            "channels": sorted(r.channels), "active": r.active}


def _state(row: dict[str, Any]) -> RolloutState:
    return RolloutState(str(row["rollout_id"]), int(row["sequence"]),
                        int(row["candidate_version"]), int(row["share_bp"]),
                        frozenset(map(str, row["channels"])), bool(row["active"]))


def _digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(stable_json(rows).encode()).hexdigest()


class DiskRolloutArchive(RolloutArchive):
    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def save(self, states: dict[str, RolloutState]) -> None:
        rows = [_row(ws, r) for ws, r in sorted(states.items())]
        document = {"format": FORMAT, "sha256": _digest(rows), "rollouts": rows}
        write_atomically(self.path, stable_json(document).encode())

    def load(self) -> dict[str, RolloutState]:
        if not self.path.exists():
            return {}
        try:
            document = json.loads(self.path.read_bytes())
            rows = document["rollouts"]
            if document.get("format") != FORMAT or document.get("sha256") != _digest(rows):
                raise ValueError("the records do not match their SHA-256")
            return {str(row["workspace_id"]): _state(row) for row in rows}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("refusing the rollout states on disk %s: %s", self.path, exc)
            return {}
