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
from config_service.domain.model import DraftEntity, Key
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
    stamp,
)
from config_service.service.ports import UnitOfWorkFactory


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
    """All or nothing: every entity is checked before the first write; then all are written
    in a few multi-row statements."""
    check_author(author)
    _check_apply_request(items, deletions)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        expect_revision(ws, expected_revision, "expected_revision")
        stamps = await uow.repo.draft_stamps(ws.id, [i.key for i in items] + list(deletions))
        for i, key in enumerate(deletions):
            if key not in stamps:
                raise NotFound(f"deletions[{i}]: {key[0]} {key[1]!r} is not in the Draft",
                               reason="ENTITY_NOT_FOUND")
        plan = [(item, _action(stamps.get(item.key), item)) for item in items]
        added = sum(1 for _, action in plan if action == "created")
        await room_for(uow.repo, ws, added - len(deletions))
        if validate_only or (all(a == "unchanged" for _, a in plan) and not deletions):
            return _report(plan, deletions, stamps, {}), ws.draft_revision
        bump_revision(ws, author)
        written = {item.key: stamp(ws, item, author) for item, a in plan if a != "unchanged"}
        await uow.repo.put_draft_entities(ws.id, list(written.values()))
        await uow.repo.delete_draft_entities(ws.id, deletions)
        await uow.repo.save_workspace(ws)
        await uow.commit()
        return _report(plan, deletions, stamps, written), ws.draft_revision


def _action(current: tuple[str, str] | None, item: EntityInput) -> str:
    if current is None:
        return "created"
    return "unchanged" if current[0] == hash_of(item.kind, item.entity_id, item.spec) \
        else "updated"


def _report(plan: list[tuple[EntityInput, str]], deletions: Sequence[Key],
            stamps: dict[Key, tuple[str, str]], written: dict[Key, DraftEntity],
            ) -> list[Change]:
    """Each entity's new etag; an unchanged one keeps the etag it has (a validate_only
    report gives no new etags)."""
    changes = []
    for item, action in plan:
        entity = written.get(item.key)
        etag = entity.etag if entity else \
            (stamps[item.key][1] if action == "unchanged" else "")
        changes.append(Change(item.kind, item.entity_id, action, etag))
    return changes + [Change(k[0], k[1], "deleted", "") for k in deletions]
