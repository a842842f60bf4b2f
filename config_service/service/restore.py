"""Replacing the Draft's content wholesale ("edit this version", recovering a backup), while
setting what it replaced aside as a backup, so no Draft work is ever lost to a restore."""

from __future__ import annotations

import uuid

from config_service.domain.model import DraftBackup, DraftEntity, Workspace
from config_service.service.common import etag_for, now
from config_service.service.ports import Manifest, Repository


async def replace_draft(repo: Repository, ws: Workspace, current: Manifest, target: Manifest,
                        author: str, reason: str) -> str:
    """Make the Draft hold ``target``; returns the id of the backup of ``current``. The
    caller bumps the revision and saves the workspace."""
    backup = DraftBackup(uuid.uuid4().hex[:16], ws.id, ws.draft_revision, len(current), now(),
                         author, reason)
    await repo.add_backup(backup, current)
    specs = await repo.get_specs(sorted(set(target.values())))
    revision = ws.draft_revision + 1
    for key in current.keys() - target.keys():
        await repo.delete_draft_entity(ws.id, key)
    for key, digest in target.items():
        if current.get(key) != digest:
            await repo.put_draft_entity(ws.id, DraftEntity(
                key[0], key[1], specs[digest], digest, etag_for(revision, digest), now(),
                author))
    return backup.backup_id
