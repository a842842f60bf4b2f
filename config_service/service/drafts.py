"""Editing the Draft: one shared working copy per workspace. Every change takes the
workspace lock, bumps the Draft revision and gives the entity a new etag; a stale etag or
revision is refused (ABORTED) before anything is written."""

from __future__ import annotations

from agentconfig.errors import (
    AlreadyExists,
    FieldViolation,
)
from config_service.domain.model import DraftEntity, Key, Workspace
from config_service.service import draft_delta, paging
from config_service.service.common import (
    bump_revision,
    check_author,
    expect_revision,
    workspace,
)
from config_service.service.draft_apply import apply
from config_service.service.draft_entities import (
    Change,
    EntityInput,
    check_etag,
    check_input,
    not_found,
    room_for,
    write_entity,
)
from config_service.service.ports import UnitOfWorkFactory


async def create_entity(uowf: UnitOfWorkFactory, workspace_id: str, item: EntityInput,
                        expected_revision: int, author: str) -> tuple[DraftEntity, int]:
    check_author(author)
    check_input(item)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        expect_revision(ws, expected_revision, "expected_revision")
        if await uow.repo.draft_entity(ws.id, item.key):
            raise AlreadyExists(f"{item.kind} {item.entity_id!r} is already in the Draft",
                                reason="ENTITY_EXISTS",
                                metadata={"kind": item.kind, "entity_id": item.entity_id})
        await room_for(uow.repo, ws, 1)
        bump_revision(ws, author)
        entity = await write_entity(uow.repo, ws, item, author)
        await uow.repo.save_workspace(ws)
        await uow.commit()
        return entity, ws.draft_revision


async def update_entity(uowf: UnitOfWorkFactory, workspace_id: str, item: EntityInput,
                        etag: str, author: str) -> tuple[DraftEntity, int]:
    check_author(author)
    check_input(item)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await uow.repo.draft_entity(ws.id, item.key)
        if current is None:
            raise not_found(ws, item.key)
        check_etag(current, etag)
        if current.spec == item.spec:
            return current, ws.draft_revision
        bump_revision(ws, author)
        entity = await write_entity(uow.repo, ws, item, author)
        await uow.repo.save_workspace(ws)
        await uow.commit()
        return entity, ws.draft_revision


async def delete_entity(uowf: UnitOfWorkFactory, workspace_id: str, key: Key, etag: str,
                        author: str) -> int:
    check_author(author)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await uow.repo.draft_entity(ws.id, key)
        if current is None:
            raise not_found(ws, key)
        check_etag(current, etag)
        bump_revision(ws, author)
        await uow.repo.delete_draft_entity(ws.id, key)
        await uow.repo.save_workspace(ws)
        await uow.commit()
        return ws.draft_revision


async def get_draft(uowf: UnitOfWorkFactory, workspace_id: str) -> tuple[Workspace, int]:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        return ws, await uow.repo.count_draft_entities(ws.id)


async def get_entity(uowf: UnitOfWorkFactory, workspace_id: str, key: Key,
                     ) -> tuple[DraftEntity, int]:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        found = await uow.repo.draft_entity(ws.id, key)
        if found is None:
            raise not_found(ws, key)
        return found, ws.draft_revision


async def list_entities(uowf: UnitOfWorkFactory, workspace_id: str, kind: str | None,
                        size: int, token: str) -> tuple[list[DraftEntity], str, int]:
    limit = paging.page_size(size)
    query = ["draft", workspace_id, kind]
    after = paging.after_key(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.draft_entities(ws.id, kind, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        next_token = paging.encode(list(rows[-1].key), query) if more else ""
        return rows, next_token, ws.draft_revision


async def validate(uowf: UnitOfWorkFactory, workspace_id: str,
                   ) -> tuple[list[FieldViolation], int]:
    """What publishing would find, read as publishing reads it: the change from Production
    (draft_delta.py)."""
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        delta = await draft_delta.changes(uow.repo, ws)
        return await draft_delta.validate(uow.repo, ws, delta), ws.draft_revision


__all__ = ["Change", "EntityInput", "apply", "create_entity", "delete_entity", "get_draft",
           "get_entity", "list_entities", "update_entity", "validate"]
