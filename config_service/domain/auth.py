"""Who is calling, and what they may do. Plain Python: the gRPC interceptor sets the
current principal, the use cases ask it questions.

The key format itself (``agc_<key_id>_<secret>``, stored as the SHA-256 of the secret) is
shared with the runtime: agentconfig.apikeys.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum


class Role(IntEnum):
    """Ordered: each of viewer..admin includes the ones before it. CHANNEL stands apart:
    production reads on the runtime only."""

    VIEWER = 1
    EDITOR = 2
    PUBLISHER = 3
    ADMIN = 4
    CHANNEL = 5

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Principal:
    name: str
    kind: str  # key | operator | service | anonymous
    role: Role | None = None
    workspace_id: str | None = None  # None: every workspace (operator, service, anonymous)
    key_id: str = ""
    channel_ids: frozenset[str] = field(default_factory=frozenset)

    def has(self, needed: Role) -> bool:
        if self.kind == "anonymous":
            return True
        if self.role is None or self.role == Role.CHANNEL or needed == Role.CHANNEL:
            return self.role == needed
        return self.role >= needed

    def sees(self, workspace_id: str) -> bool:
        return self.workspace_id is None or self.workspace_id == workspace_id


UNRESTRICTED = Principal("anonymous", "anonymous")
current_principal: ContextVar[Principal] = ContextVar("principal", default=UNRESTRICTED)
current_peer: ContextVar[str] = ContextVar("peer", default="")


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str
    workspace_id: str
    role: Role
    display_name: str
    secret_sha256: str
    created_at: datetime
    created_by: str
    expire_at: datetime | None = None
    revoked_at: datetime | None = None
    channel_ids: tuple[str, ...] = ()

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expire_at is None or now < self.expire_at)

    def principal(self) -> Principal:
        name = f"key:{self.key_id}" + (f" ({self.display_name})" if self.display_name else "")
        return Principal(name, "key", self.role, self.workspace_id, self.key_id,
                         frozenset(self.channel_ids))
