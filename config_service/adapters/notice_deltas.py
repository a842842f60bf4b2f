"""Small changes travel in the notice itself (issue 11): a replica serving the version that
was Production before applies them with no fetch, so a publish reaches every replica in
about the time Redis pub/sub takes, not after N replicas' calls to the config service.

The delta is read with the outbox row, in the relay's transaction, from the version ranges
alone (repo_delta.py); it is carried only when at most MAX_CARRIED entities changed and its
text fits MAX_DELTA_TEXT, and signed (agentconfig.bus.ProductionMove.signed) with a key
derived from the service credential, because anyone able to publish on Redis could
otherwise hand replicas content. Its text is JSON:

    {"from": <version it applies to>, "count": <entities after it>,
     "changed": [[kind, id, content hash, spec], ...], "removed": [[kind, id], ...]}
"""

from __future__ import annotations

import json
import logging

from sqlalchemy.ext.asyncio import AsyncConnection

from agentconfig.bus import MAX_DELTA_TEXT, ProductionMove
from config_service.adapters.sql.repository import SqlRepository

log = logging.getLogger(__name__)
MAX_CARRIED = 16  # changed entities; more and the replicas fetch (GetVersionChanges)


async def with_delta(conn: AsyncConnection, move: ProductionMove, key: bytes,
                     ) -> ProductionMove:
    """``move`` carrying its delta when it is small, else as it is. Never raises: a
    notice without a delta is still a notice."""
    try:
        text = await _delta_text(SqlRepository(conn), move)
    except Exception as exc:
        log.warning("no delta carried for %s v%d (%s)", move.workspace_id, move.version, exc)
        return move
    return move.signed(text, key) if text else move


async def _delta_text(repo: SqlRepository, move: ProductionMove) -> str:
    version = await repo.get_version(move.workspace_id, move.version)
    if version is None or not 1 <= version.previous_version < move.version:
        return ""
    old = version.previous_version
    changes = await repo.version_changes(move.workspace_id, old, move.version, MAX_CARRIED)
    if len(changes) > MAX_CARRIED:
        return ""
    specs = await repo.get_specs(sorted({c.new for c in changes if c.new}))
    text = json.dumps({
        "from": old, "count": version.entity_count,
        "changed": [[c.kind, c.entity_id, c.new, specs[c.new]] for c in changes if c.new],
        "removed": [[c.kind, c.entity_id] for c in changes if c.new is None]},
        separators=(",", ":"), sort_keys=True)
    return text if len(text) <= MAX_DELTA_TEXT else ""
