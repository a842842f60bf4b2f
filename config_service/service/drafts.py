"""Editing the Draft: one shared working copy per workspace. Every change takes the
workspace lock, bumps the Draft revision and gives the entity a new etag; a stale etag or
revision is refused (ABORTED) before anything is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentconfig.errors import (
    AlreadyExists,
    Conflict,
    FieldViolation,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    invalid,
)
from config_service.domain import limits as L
from config_service.domain.model import DraftEntity, Key, Spec, Workspace
from config_service.domain.validation import check_entity, validate_draft
from config_service.service import paging
from config_service.service.common import (
    bump_revision,
    check_author,
    etag_for,
    expect_revision,
    hash_of,
    now,
    specs_of,
    workspace,
)
from config_service.service.ports import Repository, UnitOfWorkFactory


@dataclass(frozen=True)
class EntityInput:
    kind: str
    entity_id: str
    spec: Spec
    path: str  # request field holding the entity, e.g. "entity" or "entities[3]"

    @property
    def key(self) -> Key:
        return (self.kind, self.entity_id)


@dataclass(frozen=True)
class Change:
    kind: str
    entity_id: str
    action: str  # created | updated | unchanged | deleted
    etag: str


def _check_input(item: EntityInput) -> None:
    problems = check_entity(item.kind, item.entity_id, item.spec,
                            spec_path=f"{item.path}.{item.kind}.", id_path=f"{item.path}.id")
    if problems:
        raise InvalidArgument(f"{item.kind} {item.entity_id!r}: {problems[0].field}: "
                              f"{problems[0].description}", violations=problems,
                              reason="INVALID_ENTITY")


def _stamp(ws: Workspace, item: EntityInput, author: str) -> DraftEntity:
    digest = hash_of(item.kind, item.entity_id, item.spec)
    return DraftEntity(item.kind, item.entity_id, item.spec, digest,
                       etag_for(ws.draft_revision, digest), ws.draft_updated_at or now(),
                       author)


async def _write(repo: Repository, ws: Workspace, item: EntityInput, author: str,
                 ) -> DraftEntity:
    entity = _stamp(ws, item, author)
    await repo.put_blobs({entity.content_hash: (item.kind, item.entity_id, item.spec)})
    await repo.put_draft_entity(ws.id, entity)
    return entity


async def _room_for(repo: Repository, ws: Workspace, new_entities: int) -> None:
    count = await repo.count_draft_entities(ws.id)
    if count + new_entities > L.MAX_ENTITIES_PER_WORKSPACE:
        raise ResourceExhausted(
            f"a workspace holds at most {L.MAX_ENTITIES_PER_WORKSPACE} entities "
            f"({count} now, {new_entities} more asked)", reason="TOO_MANY_ENTITIES",
            metadata={"limit": str(L.MAX_ENTITIES_PER_WORKSPACE)})


def _not_found(ws: Workspace, key: Key) -> NotFound:
    return NotFound(f"{key[0]} {key[1]!r} is not in the Draft of {ws.id!r}",
                    reason="ENTITY_NOT_FOUND", metadata={"kind": key[0], "entity_id": key[1]})


def _check_etag(current: DraftEntity, etag: str) -> None:
    if not etag:
        raise invalid("etag", "is required: send the etag you read", "REQUIRED")
    if etag != current.etag:
        raise Conflict(f"{current.kind} {current.entity_id!r} changed since you read it "
                       f"(etag {etag} is stale; current is {current.etag})",
                       reason="STALE_ETAG", metadata={"current_etag": current.etag})


async def create_entity(uowf: UnitOfWorkFactory, workspace_id: str, item: EntityInput,
                        expected_revision: int, author: str) -> tuple[DraftEntity, int]:
    check_author(author)
    _check_input(item)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        expect_revision(ws, expected_revision, "expected_revision")
        if await uow.repo.draft_entity(ws.id, item.key):
            raise AlreadyExists(f"{item.kind} {item.entity_id!r} is already in the Draft",
                                reason="ENTITY_EXISTS",
                                metadata={"kind": item.kind, "entity_id": item.entity_id})
        await _room_for(uow.repo, ws, 1)
        bump_revision(ws, author)
        entity = await _write(uow.repo, ws, item, author)
        await uow.repo.save_workspace(ws)
        await uow.commit()
        return entity, ws.draft_revision


async def update_entity(uowf: UnitOfWorkFactory, workspace_id: str, item: EntityInput,
                        etag: str, author: str) -> tuple[DraftEntity, int]:
    check_author(author)
    _check_input(item)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await uow.repo.draft_entity(ws.id, item.key)
        if current is None:
            raise _not_found(ws, item.key)
        _check_etag(current, etag)
        if current.spec == item.spec:
            return current, ws.draft_revision
        bump_revision(ws, author)
        entity = await _write(uow.repo, ws, item, author)
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
            raise _not_found(ws, key)
        _check_etag(current, etag)
        bump_revision(ws, author)
        await uow.repo.delete_draft_entity(ws.id, key)
        await uow.repo.save_workspace(ws)
        await uow.commit()
        return ws.draft_revision


def _check_apply_request(items: Sequence[EntityInput], deletions: Sequence[Key]) -> None:
    if len(items) + len(deletions) > L.MAX_ENTITIES_PER_APPLY:
        raise ResourceExhausted(f"one apply takes at most {L.MAX_ENTITIES_PER_APPLY} entities",
                                reason="APPLY_TOO_LARGE")
    if not items and not deletions:
        raise invalid("entities", "give at least one entity or deletion", "REQUIRED")
    problems: list[FieldViolation] = []
    seen: set[Key] = set()
    for item in items:
        if item.key in seen:
            problems.append(FieldViolation(f"{item.path}.id", f"{item.kind} {item.entity_id!r} "
                                           "appears twice", "DUPLICATE"))
        seen.add(item.key)
        try:
            _check_input(item)
        except InvalidArgument as exc:
            problems += exc.violations
    for i, key in enumerate(deletions):
        if key in seen:
            problems.append(FieldViolation(f"deletions[{i}]", f"{key[0]} {key[1]!r} is both "
                                           "written and deleted", "DUPLICATE"))
    if problems:
        raise InvalidArgument(f"{len(problems)} problem(s) in the applied entities; nothing "
                              "was written", violations=problems, reason="INVALID_ENTITY")


async def apply(uowf: UnitOfWorkFactory, workspace_id: str, items: Sequence[EntityInput],
                deletions: Sequence[Key], expected_revision: int, validate_only: bool,
                author: str) -> tuple[list[Change], int]:
    """All or nothing: every entity is checked before the first write."""
    check_author(author)
    _check_apply_request(items, deletions)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        expect_revision(ws, expected_revision, "expected_revision")
        manifest = await uow.repo.draft_manifest(ws.id)
        for i, key in enumerate(deletions):
            if key not in manifest:
                raise NotFound(f"deletions[{i}]: {key[0]} {key[1]!r} is not in the Draft",
                               reason="ENTITY_NOT_FOUND")
        plan = [(item, _action(manifest.get(item.key), item)) for item in items]
        added = sum(1 for _, action in plan if action == "created")
        await _room_for(uow.repo, ws, added - len(deletions))
        if validate_only or (all(a == "unchanged" for _, a in plan) and not deletions):
            return await _report(uow.repo, ws, plan, deletions), ws.draft_revision
        bump_revision(ws, author)
        changes = []
        for item, action in plan:
            etag = (await _write(uow.repo, ws, item, author)).etag if action != "unchanged" \
                else ""
            changes.append(Change(item.kind, item.entity_id, action, etag))
        for key in deletions:
            await uow.repo.delete_draft_entity(ws.id, key)
            changes.append(Change(key[0], key[1], "deleted", ""))
        await uow.repo.save_workspace(ws)
        await uow.commit()
        return await _fill_unchanged(uow.repo, ws.id, changes), ws.draft_revision


def _action(current_hash: str | None, item: EntityInput) -> str:
    if current_hash is None:
        return "created"
    return "unchanged" if current_hash == hash_of(item.kind, item.entity_id, item.spec) \
        else "updated"


async def _report(repo: Repository, ws: Workspace, plan: list[tuple[EntityInput, str]],
                  deletions: Sequence[Key]) -> list[Change]:
    changes = [Change(i.kind, i.entity_id, a, "") for i, a in plan]
    changes += [Change(k[0], k[1], "deleted", "") for k in deletions]
    return await _fill_unchanged(repo, ws.id, changes)


async def _fill_unchanged(repo: Repository, workspace_id: str, changes: list[Change],
                          ) -> list[Change]:
    out = []
    for change in changes:
        if change.action == "unchanged":
            current = await repo.draft_entity(workspace_id, (change.kind, change.entity_id))
            change = Change(change.kind, change.entity_id, change.action,
                            current.etag if current else "")
        out.append(change)
    return out


async def get_draft(uowf: UnitOfWorkFactory, workspace_id: str) -> tuple[Workspace, int]:
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id)
        return ws, await uow.repo.count_draft_entities(ws.id)


async def get_entity(uowf: UnitOfWorkFactory, workspace_id: str, key: Key,
                     ) -> tuple[DraftEntity, int]:
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id)
        found = await uow.repo.draft_entity(ws.id, key)
        if found is None:
            raise _not_found(ws, key)
        return found, ws.draft_revision


async def list_entities(uowf: UnitOfWorkFactory, workspace_id: str, kind: str | None,
                        size: int, token: str) -> tuple[list[DraftEntity], str, int]:
    limit = paging.page_size(size)
    query = ["draft", workspace_id, kind]
    cursor = paging.decode(token, query)
    if cursor is not None and not (isinstance(cursor, list) and len(cursor) == 2
                                   and all(isinstance(c, str) for c in cursor)):
        raise invalid("page_token", "is not a token this API issued", "BAD_PAGE_TOKEN")
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id)
        after = (cursor[0], cursor[1]) if cursor else None
        rows = await uow.repo.draft_entities(ws.id, kind, after, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        next_token = paging.encode(list(rows[-1].key), query) if more else ""
        return rows, next_token, ws.draft_revision


async def validate(uowf: UnitOfWorkFactory, workspace_id: str,
                   ) -> tuple[list[FieldViolation], int]:
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id)
        specs = await specs_of(uow.repo, await uow.repo.draft_manifest(ws.id))
        channels = await uow.repo.list_channels(ws.id)
        return validate_draft(specs, channels), ws.draft_revision
