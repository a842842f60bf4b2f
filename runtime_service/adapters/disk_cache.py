"""Last-known-good snapshots on local disk: one file per workspace, written atomically
(temporary file, fsync, rename), so a crash mid-write leaves the previous copy intact.
Reading does not trust the file: the loader verifies its hash before serving it."""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

from google.protobuf.message import DecodeError

from agentconfig.v1 import entities_pb2 as pb
from runtime_service.service.ports import SnapshotCache

log = logging.getLogger(__name__)
SUFFIX = ".snapshot.pb"


class DiskSnapshotCache(SnapshotCache):
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def path(self, workspace_id: str) -> Path:
        return self.folder / f"{workspace_id}{SUFFIX}"

    def save(self, snapshot: pb.Snapshot) -> None:
        target = self.path(snapshot.workspace_id)
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(snapshot.SerializeToString(deterministic=True))
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

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
