"""Helpers the use cases share: loading a workspace or failing the same way everywhere,
turning manifests into specs, and minting etags."""

from __future__ import annotations

from datetime import UTC, datetime

from agentconfig.canonical import entity_hash, snapshot_hash
from agentconfig.errors import Conflict, NotFound, invalid
from config_service.domain import limits as L
from config_service.domain.auth import current_principal
from config_service.domain.model import Key, Snapshot, Spec, Workspace
from config_service.service.ports import Manifest, Repository


def now() -> datetime:
    return datetime.now(UTC)


def check_workspace_id(workspace_id: str) -> None:
    if not workspace_id:
        raise invalid("workspace_id", "is required", "REQUIRED")
    if not L.WORKSPACE_ID.match(workspace_id):
        raise invalid("workspace_id", "must be 2-63 lowercase letters, digits or '-', "
                      "starting with a letter", "BAD_ID")


def check_author(author: str, field: str = "author") -> None:
    if len(author) > L.MAX_AUTHOR:
        raise invalid(field, f"is longer than {L.MAX_AUTHOR} characters", "TOO_LONG")
    if "\x00" in author:  # Postgres text cannot hold it
        raise invalid(field, "must not contain NUL characters", "BAD_CHARACTER")


async def workspace(repo: Repository, workspace_id: str, *, lock: bool = False) -> Workspace:
    """The one place every use case loads its workspace, so also the one place that keeps a
    caller to its own workspace: another workspace is NOT_FOUND, exactly as a missing one
    (no existence leak)."""
    check_workspace_id(workspace_id)
    visible = current_principal.get().sees(workspace_id)
    found = await (repo.lock_workspace if lock else repo.get_workspace)(workspace_id) \
        if visible else None
    if found is None:
        raise NotFound(f"workspace {workspace_id!r} not found", reason="WORKSPACE_NOT_FOUND",
                       metadata={"workspace_id": workspace_id})
    return found


def expect_revision(ws: Workspace, expected: int, field: str) -> None:
    """Optimistic concurrency on the whole Draft (AIP-162 revisions)."""
    if expected < 0:
        raise invalid(field, "must not be negative")
    if expected and expected != ws.draft_revision:
        raise Conflict(
            f"the Draft is at revision {ws.draft_revision}, not {expected}: it changed since "
            "you read it; review again", reason="STALE_REVISION",
            metadata={"current_revision": str(ws.draft_revision), "given": str(expected)})


def bump_revision(ws: Workspace, author: str) -> None:
    """Every change to the Draft moves its revision, so a reviewer can name what they saw."""
    ws.draft_revision += 1
    ws.draft_updated_at = now()
    ws.draft_updated_by = author


def etag_for(revision: int, content_hash: str) -> str:
    return f"{revision:x}-{content_hash[:10]}"


def hash_of(kind: str, entity_id: str, spec: Spec) -> str:
    return entity_hash(kind, entity_id, spec)


async def specs_of(repo: Repository, manifest: Manifest) -> dict[Key, Spec]:
    bodies = await repo.get_specs(sorted(set(manifest.values())))
    return {key: bodies[digest] for key, digest in manifest.items()}


def manifest_hash(manifest: Manifest) -> str:
    return snapshot_hash((kind, entity_id, digest) for (kind, entity_id), digest
                         in manifest.items())


async def snapshot_of(repo: Repository, workspace_id: str, manifest: Manifest, *,
                      version: int = 0, draft_revision: int = 0) -> Snapshot:
    return Snapshot(workspace_id, version, draft_revision, manifest_hash(manifest),
                    await specs_of(repo, manifest))


async def production_manifest(repo: Repository, ws: Workspace) -> Manifest:
    if not ws.production_version:
        return {}
    return await repo.version_manifest(ws.id, ws.production_version)


def check_version_number(number: int, field: str = "version") -> None:
    if number <= 0:
        raise invalid(field, "must be a version number (1, 2, 3 ...)", "BAD_VERSION")


async def version_or_404(repo: Repository, ws: Workspace, number: int, field: str = "version",
                         ) -> None:
    check_version_number(number, field)
    if number > ws.latest_version:
        raise NotFound(f"version {number} not found in workspace {ws.id!r} (latest is "
                       f"{ws.latest_version})", reason="VERSION_NOT_FOUND",
                       metadata={"version": str(number)})
