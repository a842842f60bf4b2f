"""Small changes travel in the notice itself (issue 11): a replica serving the version that
was Production before applies them with no fetch, so a publish reaches every replica in
about the time Redis pub/sub takes, not after N replicas' calls to the config service.

The delta is read with the outbox row, in the relay's transaction, from the version ranges
alone (as repo_delta.py does, with the bodies joined in); it is carried only when at most
MAX_CARRIED entities changed and its text fits MAX_DELTA_TEXT, and signed
(agentconfig.bus.ProductionMove.signed) with a key derived from the service credential,
because anyone able to publish on Redis could otherwise hand replicas content. Its text is
JSON:

    {"from": <version it applies to>, "count": <entities after it>,
     "changed": [[kind, id, content hash, spec], ...], "removed": [[kind, id], ...]}
"""

from __future__ import annotations

import json
import logging

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from agentconfig.bus import MAX_DELTA_TEXT, ProductionMove
from config_service.adapters.sql import tables as t

log = logging.getLogger(__name__)
MAX_CARRIED = 16  # changed entities; more and the replicas fetch (GetVersionChanges)


async def with_delta(conn: AsyncConnection, move: ProductionMove, key: bytes,
                     ) -> ProductionMove:
    """``move`` carrying its delta when it is small, else as it is. Never raises: a
    notice without a delta is still a notice."""
    try:
        text = await _delta_text(conn, move)
    except Exception as exc:
        log.warning("no delta carried for %s v%d (%s)", move.workspace_id, move.version, exc)
        return move
    return move.signed(text, key) if text else move


async def _delta_text(conn: AsyncConnection, move: ProductionMove) -> str:
    """Three statements: the version's predecessor and size, the revisions that started
    since (with their bodies) and those that ended (see repo_delta.py)."""
    v, ve, blobs = t.versions, t.version_entities, t.entity_blobs
    head = (await conn.execute(select(v.c.previous_version, v.c.entity_count).where(
        v.c.workspace_id == move.workspace_id, v.c.number == move.version))).first()
    if head is None or not 1 <= head.previous_version < move.version:
        return ""
    old, new, ws = head.previous_version, move.version, move.workspace_id
    started = (await conn.execute(
        select(ve.c.kind, ve.c.entity_id, ve.c.content_hash, blobs.c.spec)
        .join(blobs, blobs.c.hash == ve.c.content_hash)
        .where(ve.c.workspace_id == ws, ve.c.from_version > old, ve.c.from_version <= new,
               or_(ve.c.to_version.is_(None), ve.c.to_version > new))
        .limit(MAX_CARRIED + 1))).all()
    ended = (await conn.execute(
        select(ve.c.kind, ve.c.entity_id, ve.c.content_hash)
        .where(ve.c.workspace_id == ws, ve.c.from_version <= old, ve.c.to_version > old,
               ve.c.to_version <= new).limit(MAX_CARRIED + 1))).all()
    before = {(r.kind, r.entity_id): r.content_hash for r in ended}
    changed = [[r.kind, r.entity_id, r.content_hash, json.loads(r.spec)] for r in started
               if before.get((r.kind, r.entity_id)) != r.content_hash]
    now = {(r.kind, r.entity_id) for r in started}
    removed = [[kind, entity_id] for kind, entity_id in sorted(before) if (kind, entity_id)
               not in now]
    if len(changed) + len(removed) > MAX_CARRIED:
        return ""
    text = json.dumps({"from": old, "count": head.entity_count, "changed": sorted(changed),
                       "removed": removed}, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= MAX_DELTA_TEXT else ""
