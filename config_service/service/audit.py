"""The audit log: every publish, rollback, restore, channel change, key change and settings
change is written in the same transaction as the change itself, so a production move can
never happen unaudited."""

from __future__ import annotations

from typing import Any

from config_service.domain.auth import current_peer, current_principal
from config_service.domain.model import AuditEvent
from config_service.service import paging
from config_service.service.common import now, workspace
from config_service.service.ports import Repository, UnitOfWorkFactory


def actor(fallback: str = "") -> str:
    principal = current_principal.get()
    if principal.kind == "anonymous":
        return fallback or "anonymous"
    return principal.name


async def record(repo: Repository, workspace_id: str, action: str, target: str,
                 details: dict[str, Any] | None = None, author: str = "") -> None:
    await repo.add_audit(AuditEvent(workspace_id, now(), actor(author), action, target,
                                    details or {}, current_peer.get()))


async def list_events(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                      ) -> tuple[list[AuditEvent], str]:
    limit = paging.page_size(size)
    query = ["audit", workspace_id]
    cursor = paging.offset(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_audit(ws.id, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, paging.encode(rows[-1].event_id, query) if more else ""
