"""The verified key records on local disk, beside the snapshots: one JSON file, written
atomically, carrying the SHA-256 of its records so a damaged or edited copy is refused
rather than trusted (the same rule as the snapshots). Digests only, never a key."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from agentconfig.canonical import stable_json
from runtime_service.adapters.disk_cache import write_atomically
from runtime_service.domain.access import KeyInfo
from runtime_service.service.ports import KeyArchive, VerifiedKey

log = logging.getLogger(__name__)
FILE = "keys.json"
FORMAT = 1


def _row(kept: VerifiedKey) -> dict[str, Any]:
    info = kept.info
    return {"key_id": info.key_id, "workspace_id": info.workspace_id, "role": info.role,
            "secret_sha256": info.secret_sha256, "revoked": info.revoked,
            "expire_at": info.expire_at.isoformat() if info.expire_at else None,
            "channel_ids": sorted(info.channel_ids), "verified_at": kept.verified_at}


def _kept(row: dict[str, Any]) -> VerifiedKey:
    expire = row["expire_at"]
    info = KeyInfo(str(row["key_id"]), str(row["workspace_id"]), str(row["role"]),
                   str(row["secret_sha256"]),
                   datetime.fromisoformat(expire) if expire else None, bool(row["revoked"]),
                   frozenset(map(str, row["channel_ids"])))
    return VerifiedKey(info, float(row["verified_at"]))


def _digest(rows: list[dict[str, Any]]) -> str:
    return hashlib.sha256(stable_json(rows).encode()).hexdigest()


class DiskKeyArchive(KeyArchive):
    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def save(self, keys: list[VerifiedKey]) -> None:
        rows = sorted((_row(k) for k in keys), key=lambda r: str(r["key_id"]))
        document = {"format": FORMAT, "sha256": _digest(rows), "keys": rows}
        write_atomically(self.path, stable_json(document).encode())

    def load(self) -> list[VerifiedKey]:
        if not self.path.exists():
            return []
        try:
            document = json.loads(self.path.read_bytes())
            rows = document["keys"]
            if document.get("format") != FORMAT or document.get("sha256") != _digest(rows):
                raise ValueError("the records do not match their SHA-256")
            return [_kept(row) for row in rows]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.error("refusing the key records on disk %s: %s", self.path, exc)
            return []
