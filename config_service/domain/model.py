"""The records the use cases work with. Entity specs are plain dicts in the proto3 JSON
mapping (see agentconfig.canonical): the typed proto messages are checked at the edge, and
the domain sees data it can hash, diff and store without knowing protobuf."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

Key = tuple[str, str]  # (kind, entity id)
Spec = dict[str, Any]


@dataclass
class Workspace:
    id: str
    display_name: str
    created_at: datetime
    draft_revision: int = 0
    production_version: int = 0
    latest_version: int = 0
    draft_updated_at: datetime | None = None
    draft_updated_by: str = ""
    base_version: int = 0
    two_person_rule: bool = False
    # Tools and MCP servers (by id) the internal chat may call for real; others: mocks only.
    live_tool_ids: tuple[str, ...] = ()
    # The publish gate: the test suite must pass on exactly the reviewed Draft revision.
    require_passing_tests: bool = False


@dataclass(frozen=True)
class DraftEntity:
    kind: str
    entity_id: str
    spec: Spec
    content_hash: str
    etag: str
    updated_at: datetime
    updated_by: str

    @property
    def key(self) -> Key:
        return (self.kind, self.entity_id)


class OriginType:
    DRAFT = "draft"
    RESTORED = "restored"
    ROLLBACK = "rollback"


@dataclass(frozen=True)
class Version:
    workspace_id: str
    number: int
    content_hash: str
    author: str
    message: str
    created_at: datetime
    origin: str
    restored_from: int
    draft_revision: int
    entity_count: int
    changed_count: int
    request_id: str
    previous_version: int
    # SHA-256 of the request that created it (its RPC and parameters), so a retry that
    # reuses the request id for something else is refused; empty for versions written
    # before it was stored.
    request_fingerprint: str = ""


@dataclass(frozen=True)
class Snapshot:
    """A version's (or the Draft's) full content, with its hash."""

    workspace_id: str
    version: int
    draft_revision: int
    content_hash: str
    specs: dict[Key, Spec] = field(default_factory=dict)


@dataclass(frozen=True)
class Channel:
    workspace_id: str
    channel_id: str
    display_name: str
    type: str
    target_kind: str
    target_id: str
    etag: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class DraftBackup:
    backup_id: str
    workspace_id: str
    draft_revision: int
    entity_count: int
    created_at: datetime
    created_by: str
    reason: str


@dataclass(frozen=True)
class AuditEvent:
    workspace_id: str
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    peer: str
    event_id: int = 0
