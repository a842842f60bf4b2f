"""API keys: live data, stored hashed, shown once, revocable, with a workspace, a role and an
optional expiry. Revocation is announced so runtimes drop the key from their caches at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from agentconfig.apikeys import new_key, secret_matches, split_key
from agentconfig.errors import NotFound, Unauthenticated, invalid
from config_service.domain import limits as L
from config_service.domain.auth import (
    ApiKeyRecord,
    Principal,
    Role,
)
from config_service.service import audit, paging
from config_service.service.common import now, workspace
from config_service.service.ports import KeysAnnouncer, UnitOfWorkFactory


async def create_key(uowf: UnitOfWorkFactory, workspace_id: str, role: Role | None,
                     display_name: str, expire_at: datetime | None,
                     channel_ids: Sequence[str]) -> tuple[ApiKeyRecord, str]:
    if role is None:
        raise invalid("role", "is required: viewer, editor, publisher, admin or channel",
                      "REQUIRED")
    if len(display_name) > L.MAX_DISPLAY_NAME:
        raise invalid("display_name", f"is longer than {L.MAX_DISPLAY_NAME} characters",
                      "TOO_LONG")
    if expire_at is not None and expire_at <= now():
        raise invalid("expire_time", "must be in the future", "IN_THE_PAST")
    if channel_ids and role != Role.CHANNEL:
        raise invalid("channel_ids", "only channel keys are limited to channels", "NOT_ALLOWED")
    for i, channel_id in enumerate(channel_ids):
        if not L.CHANNEL_ID.match(channel_id):
            raise invalid(f"channel_ids[{i}]", "is not a channel id", "BAD_ID")
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        key_id, secret, digest = new_key()
        record = ApiKeyRecord(key_id, ws.id, role, display_name, digest, now(),
                              audit.actor(), expire_at, None, tuple(channel_ids))
        await uow.repo.add_key(record)
        await audit.record(uow.repo, ws.id, "api_key.create", f"key:{key_id}",
                           {"role": role.label, "display_name": display_name,
                            "channel_ids": list(channel_ids),
                            "expire_time": expire_at.isoformat() if expire_at else ""})
        await uow.commit()
        return record, secret


async def list_keys(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                    ) -> tuple[list[ApiKeyRecord], str]:
    limit = paging.page_size(size)
    query = ["keys", workspace_id]
    offset = paging.offset(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_keys(ws.id, offset, limit + 1)
    more = len(rows) > limit
    return rows[:limit], paging.encode(offset + limit, query) if more else ""


async def revoke_key(uowf: UnitOfWorkFactory, announcer: KeysAnnouncer, workspace_id: str,
                     key_id: str) -> ApiKeyRecord:
    if not key_id:
        raise invalid("key_id", "is required", "REQUIRED")
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        found = await uow.repo.get_key(key_id)
        if found is None or found.workspace_id != ws.id:
            raise NotFound(f"API key {key_id!r} not found", reason="KEY_NOT_FOUND")
        if found.revoked_at is None:
            found = ApiKeyRecord(**{**found.__dict__, "revoked_at": now()})
            await uow.repo.save_key(found)
            await audit.record(uow.repo, ws.id, "api_key.revoke", f"key:{key_id}")
        await uow.commit()
    await announcer.key_revoked(key_id)
    return found


async def introspect(uowf: UnitOfWorkFactory, key_id: str) -> ApiKeyRecord:
    if not key_id:
        raise invalid("key_id", "is required", "REQUIRED")
    async with uowf(read_only=True) as uow:
        found = await uow.repo.get_key(key_id)
    if found is None:
        raise NotFound(f"API key {key_id!r} not found", reason="KEY_NOT_FOUND")
    return found


async def authenticate(uowf: UnitOfWorkFactory, presented: str) -> Principal:
    """The principal of a presented key; Unauthenticated for anything else, with one
    message whatever the cause, so probing learns nothing."""
    parts = split_key(presented)
    if parts is not None:
        async with uowf(read_only=True) as uow:
            found = await uow.repo.get_key(parts[0])
        if found is not None and secret_matches(parts[1], found.secret_sha256) \
                and found.usable(now()):
            return found.principal()
    raise Unauthenticated("the API key is not valid (unknown, revoked or expired)",
                          reason="BAD_KEY")
