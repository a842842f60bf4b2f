"""The LocalResolver's optional disk copy: the last production snapshot and bindings it
took, so a gateway restarted while the runtime is down still answers. One file per
workspace, written whole then renamed (never half-written), prefixed with the SHA-256 of
the rest; a damaged copy is refused, and the snapshot in it is verified again by its
content hash when loaded."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from agentconfig.v1 import runtime_service_pb2 as rpb

Copy = rpb.GetProductionSnapshotResponse  # snapshot + channels + served_from


def _path(folder: Path, workspace_id: str) -> Path:
    name = hashlib.sha256(workspace_id.encode()).hexdigest()[:32]
    return folder / f"production-{name}.pb"


def save(folder: str | Path, workspace_id: str, copy: Copy) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    body = copy.SerializeToString(deterministic=True)
    data = hashlib.sha256(body).hexdigest().encode() + b"\n" + body
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, _path(folder, workspace_id))
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(folder: str | Path, workspace_id: str) -> Copy | None:
    """The copy, or None when there is none or it is damaged."""
    try:
        data = _path(Path(folder), workspace_id).read_bytes()
    except OSError:
        return None
    digest, _, body = data.partition(b"\n")
    if hashlib.sha256(body).hexdigest().encode() != digest:
        return None
    copy = Copy.FromString(body)
    return copy if copy.snapshot.workspace_id == workspace_id else None
