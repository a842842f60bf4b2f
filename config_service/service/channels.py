"""Channels are live data: where conversations arrive and which agent or squad answers.
Changes apply at once and are never versioned; publish and rollback never touch them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agentconfig.errors import AlreadyExists, Conflict, FailedPrecondition, NotFound, invalid
from agentconfig.names import CHANNEL_TYPE_NAMES
from config_service.domain import limits as L
from config_service.domain.model import Channel, Workspace
from config_service.service import audit, paging
from config_service.service.common import now, workspace
from config_service.service.ports import ChannelsAnnouncer, Repository, UnitOfWorkFactory

CHANNEL_TYPES = tuple(CHANNEL_TYPE_NAMES.values())
TARGET_KINDS = ("agent", "squad")


@dataclass(frozen=True)
class ChannelInput:
    channel_id: str
    display_name: str
    type: str
    target_kind: str
    target_id: str


def _check(item: ChannelInput) -> None:
    if not L.CHANNEL_ID.match(item.channel_id):
        raise invalid("channel.channel_id", "must be 1-63 lowercase letters, digits, '_' or "
                      "'-'", "BAD_ID")
    if len(item.display_name) > L.MAX_DISPLAY_NAME:
        raise invalid("channel.display_name", f"is longer than {L.MAX_DISPLAY_NAME} "
                      "characters", "TOO_LONG")
    if item.type not in CHANNEL_TYPES:
        raise invalid("channel.type", "is required: whatsapp, instagram, web_widget or api",
                      "REQUIRED")
    if item.target_kind not in TARGET_KINDS:
        raise invalid("channel.target_kind", "must be ENTITY_KIND_AGENT or "
                      "ENTITY_KIND_SQUAD", "BAD_TARGET")
    if not L.ENTITY_ID.match(item.target_id):
        raise invalid("channel.target_id", "must name an agent or squad id", "BAD_TARGET")


async def _check_target(repo: Repository, ws: Workspace, item: ChannelInput) -> None:
    """A channel may bind to what Production or the Draft has: binding ahead of a publish
    is normal; binding to nothing is a mistake."""
    key = (item.target_kind, item.target_id)
    if await repo.draft_present(ws.id, [key]):
        return
    if ws.production_version and await repo.version_present(ws.id, ws.production_version,
                                                            [key]):
        return
    raise FailedPrecondition(
        f"{item.target_kind} {item.target_id!r} is neither in Production nor in the Draft",
        reason="CHANNEL_TARGET_MISSING",
        metadata={"target_kind": item.target_kind, "target_id": item.target_id})


def _details(item: ChannelInput) -> dict[str, str]:
    return {"type": item.type, "target_kind": item.target_kind, "target_id": item.target_id}


def _etag() -> str:
    return uuid.uuid4().hex[:16]


async def create_channel(uowf: UnitOfWorkFactory, announcer: ChannelsAnnouncer,
                         workspace_id: str, item: ChannelInput) -> Channel:
    _check(item)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        if await uow.repo.get_channel(ws.id, item.channel_id):
            raise AlreadyExists(f"channel {item.channel_id!r} already exists",
                                reason="CHANNEL_EXISTS")
        if len(await uow.repo.list_channels(ws.id)) >= L.MAX_CHANNELS_PER_WORKSPACE:
            raise FailedPrecondition(f"a workspace holds at most "
                                     f"{L.MAX_CHANNELS_PER_WORKSPACE} channels",
                                     reason="TOO_MANY_CHANNELS")
        await _check_target(uow.repo, ws, item)
        at = now()
        channel = Channel(ws.id, item.channel_id, item.display_name or item.channel_id,
                          item.type, item.target_kind, item.target_id, _etag(), at, at)
        await uow.repo.add_channel(channel)
        await audit.record(uow.repo, ws.id, "channel.create", item.channel_id, _details(item))
        await uow.commit()
    await announcer.channels_changed(workspace_id)
    return channel


async def _existing(repo: Repository, ws: Workspace, channel_id: str) -> Channel:
    if not channel_id:
        raise invalid("channel_id", "is required", "REQUIRED")
    found = await repo.get_channel(ws.id, channel_id)
    if found is None:
        raise NotFound(f"channel {channel_id!r} not found", reason="CHANNEL_NOT_FOUND")
    return found


def _check_etag(channel: Channel, etag: str, field: str) -> None:
    if not etag:
        raise invalid(field, "is required: send the etag you read", "REQUIRED")
    if etag != channel.etag:
        raise Conflict(f"channel {channel.channel_id!r} changed since you read it",
                       reason="STALE_ETAG", metadata={"current_etag": channel.etag})


async def get_channel(uowf: UnitOfWorkFactory, workspace_id: str, channel_id: str) -> Channel:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        return await _existing(uow.repo, ws, channel_id)


async def update_channel(uowf: UnitOfWorkFactory, announcer: ChannelsAnnouncer,
                         workspace_id: str, item: ChannelInput, etag: str) -> Channel:
    _check(item)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await _existing(uow.repo, ws, item.channel_id)
        _check_etag(current, etag, "channel.etag")
        await _check_target(uow.repo, ws, item)
        channel = Channel(ws.id, item.channel_id, item.display_name or item.channel_id,
                          item.type, item.target_kind, item.target_id, _etag(),
                          current.created_at, now())
        await uow.repo.save_channel(channel)
        await audit.record(uow.repo, ws.id, "channel.update", item.channel_id, _details(item))
        await uow.commit()
    await announcer.channels_changed(workspace_id)
    return channel


async def delete_channel(uowf: UnitOfWorkFactory, announcer: ChannelsAnnouncer,
                         workspace_id: str, channel_id: str, etag: str) -> None:
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await _existing(uow.repo, ws, channel_id)
        _check_etag(current, etag, "etag")
        await uow.repo.delete_channel(ws.id, channel_id)
        await audit.record(uow.repo, ws.id, "channel.delete", channel_id)
        await uow.commit()
    await announcer.channels_changed(workspace_id)


async def list_channels(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                        ) -> tuple[list[Channel], str]:
    limit = paging.page_size(size)
    query = ["channels", workspace_id]
    cursor = paging.after_id(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_channels(ws.id, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, paging.encode(rows[-1].channel_id, query) if more else ""
