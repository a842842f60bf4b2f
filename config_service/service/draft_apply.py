"""The bulk edit behind `agentctl apply -f`: every entity of the request is checked before
the first write, and then all are written, or none."""

from __future__ import annotations

from collections.abc import Sequence

from agentconfig.errors import (
    FieldViolation,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    invalid,
)
from config_service.domain import limits as L
from config_service.domain.model import Key, Workspace
from config_service.service.common import (
    bump_revision,
    check_author,
    expect_revision,
    hash_of,
    workspace,
)
from config_service.service.draft_entities import (
    Change,
    EntityInput,
    check_input,
    room_for,
    write_entity,
)
from config_service.service.ports import Repository, UnitOfWorkFactory


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
            check_input(item)
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
        await room_for(uow.repo, ws, added - len(deletions))
        if validate_only or (all(a == "unchanged" for _, a in plan) and not deletions):
            return await _report(uow.repo, ws, plan, deletions), ws.draft_revision
        bump_revision(ws, author)
        changes = []
        for item, action in plan:
            etag = (await write_entity(uow.repo, ws, item, author)).etag if action != "unchanged" \
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


