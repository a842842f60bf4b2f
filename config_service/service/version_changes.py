"""The change from one version to a later one (GetVersionChanges): what a runtime replica
serving ``from_version`` needs to build ``to_version`` without fetching it whole. The work
and the answer grow with what changed between the two, not with the workspace; a change
larger than a delta carries is refused, and the replica loads the whole version instead."""

from __future__ import annotations

from dataclasses import dataclass

from agentconfig.errors import FailedPrecondition, NotFound, invalid
from config_service.domain.model import Key, Spec, Version
from config_service.service.common import version_or_404, workspace
from config_service.service.ports import Repository, UnitOfWorkFactory

# More changed entities than this and a whole version is as cheap to send (and to build).
MAX_DELTA_ENTITIES = 1000


@dataclass(frozen=True)
class VersionChanges:
    version: Version  # the target: its content hash and entity count
    from_version: int
    changed: dict[Key, tuple[str, Spec]]  # added or changed: key -> (content hash, body)
    removed: list[Key]


async def version_changes(uowf: UnitOfWorkFactory, workspace_id: str, old: int, new: int,
                          *, limit: int = MAX_DELTA_ENTITIES) -> VersionChanges:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        await version_or_404(uow.repo, ws, old, "from_version")
        await version_or_404(uow.repo, ws, new, "to_version")
        target = await _target(uow.repo, ws.id, new)
        if new < old:
            raise invalid("to_version", f"must be at least from_version ({old})",
                          "VERSION_ORDER")
        changes = await uow.repo.version_changes(ws.id, old, new, limit) if new > old else []
        if len(changes) > limit:
            raise FailedPrecondition(
                f"more than {limit} entities changed from v{old} to v{new}: load "
                f"v{new} whole (GetVersion)", reason="DELTA_TOO_LARGE",
                metadata={"limit": str(limit)})
        bodies = await uow.repo.get_specs(sorted({c.new for c in changes if c.new}))
        return VersionChanges(
            target, old, {c.key: (c.new, bodies[c.new]) for c in changes if c.new},
            [c.key for c in changes if c.new is None])


async def _target(repo: Repository, workspace_id: str, number: int) -> Version:
    found = await repo.get_version(workspace_id, number)
    if found is None:
        raise NotFound(f"version {number} not found", reason="VERSION_NOT_FOUND")
    return found
