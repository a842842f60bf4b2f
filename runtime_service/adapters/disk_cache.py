"""Last-known-good snapshots on local disk: one file per workspace, written atomically
(temporary file, fsync, rename), so a crash mid-write leaves the previous copy intact.
Reading does not trust the file: the loader verifies its hash before serving it."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

from google.protobuf.message import DecodeError

from agentconfig.v1 import entities_pb2 as pb
from runtime_service.service.ports import ChannelBinding, SnapshotCache

log = logging.getLogger(__name__)
SUFFIX = ".snapshot.pb"


def write_atomically(target: Path, data: bytes) -> None:
    """Temporary file in the same folder, fsync, rename: a reader (or a crash) sees the old
    content or the new, never a part."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class DiskSnapshotCache(SnapshotCache):
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, workspace_id: str) -> Path:
        return self.folder / f"{workspace_id}{SUFFIX}"

    def _write(self, target: Path, data: bytes) -> None:
        write_atomically(target, data)

    def save(self, snapshot: pb.Snapshot) -> None:
        self._write(self.path(snapshot.workspace_id),
                    snapshot.SerializeToString(deterministic=True))

    def save_channels(self, workspace_id: str, channels: list[ChannelBinding]) -> None:
        rows = [[c.channel_id, c.type, c.target_kind, c.target_id] for c in channels]
        self._write(self.folder / f"{workspace_id}.channels.json", json.dumps(rows).encode())

    def load_channels(self, workspace_id: str) -> list[ChannelBinding]:
        target = self.folder / f"{workspace_id}.channels.json"
        try:
            return [ChannelBinding(*map(str, row)) for row in json.loads(target.read_bytes())]
        except (OSError, ValueError, TypeError) as exc:
            log.warning("no usable channel bindings on disk for %s (%s)", workspace_id, exc)
            return []

    def load(self, workspace_id: str) -> pb.Snapshot | None:
        target = self.path(workspace_id)
        if not target.exists():
            return None
        snapshot = pb.Snapshot()
        try:
            snapshot.ParseFromString(target.read_bytes())
        except (DecodeError, OSError) as exc:
            log.error("unreadable disk snapshot %s: %s", target, exc)
            return None
        return snapshot

    def workspaces(self) -> list[str]:
        return sorted(p.name[: -len(SUFFIX)] for p in self.folder.glob(f"*{SUFFIX}"))
