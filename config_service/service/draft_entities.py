"""What every Draft edit shares: the entity input, the change report, the checks (entity
body, etag, room left) and the write itself."""

from __future__ import annotations

from dataclasses import dataclass

from agentconfig.errors import (
    Conflict,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    invalid,
)
from config_service.domain import limits as L
from config_service.domain.model import DraftEntity, Key, Spec, Workspace
from config_service.domain.validation import check_entity
from config_service.service.common import (
    etag_for,
    hash_of,
    now,
)
from config_service.service.ports import Repository


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


def check_input(item: EntityInput) -> None:
    problems = check_entity(item.kind, item.entity_id, item.spec,
                            spec_path=f"{item.path}.{item.kind}.", id_path=f"{item.path}.id")
    if problems:
        raise InvalidArgument(f"{item.kind} {item.entity_id!r}: {problems[0].field}: "
                              f"{problems[0].description}", violations=problems,
                              reason="INVALID_ENTITY")


def stamp(ws: Workspace, item: EntityInput, author: str) -> DraftEntity:
    digest = hash_of(item.kind, item.entity_id, item.spec)
    return DraftEntity(item.kind, item.entity_id, item.spec, digest,
                       etag_for(ws.draft_revision, digest), ws.draft_updated_at or now(),
                       author)


async def write_entity(repo: Repository, ws: Workspace, item: EntityInput, author: str,
                 ) -> DraftEntity:
    entity = stamp(ws, item, author)
    await repo.put_blobs({entity.content_hash: (item.kind, item.entity_id, item.spec)})
    await repo.put_draft_entity(ws.id, entity)
    return entity


async def room_for(repo: Repository, ws: Workspace, new_entities: int) -> None:
    count = await repo.count_draft_entities(ws.id)
    if count + new_entities > L.MAX_ENTITIES_PER_WORKSPACE:
        raise ResourceExhausted(
            f"a workspace holds at most {L.MAX_ENTITIES_PER_WORKSPACE} entities "
            f"({count} now, {new_entities} more asked)", reason="TOO_MANY_ENTITIES",
            metadata={"limit": str(L.MAX_ENTITIES_PER_WORKSPACE)})


def not_found(ws: Workspace, key: Key) -> NotFound:
    return NotFound(f"{key[0]} {key[1]!r} is not in the Draft of {ws.id!r}",
                    reason="ENTITY_NOT_FOUND", metadata={"kind": key[0], "entity_id": key[1]})


def check_etag(current: DraftEntity, etag: str) -> None:
    if not etag:
        raise invalid("etag", "is required: send the etag you read", "REQUIRED")
    if etag != current.etag:
        raise Conflict(f"{current.kind} {current.entity_id!r} changed since you read it "
                       f"(etag {etag} is stale; current is {current.etag})",
                       reason="STALE_ETAG", metadata={"current_etag": current.etag})


