"""Who is calling, and what they may do. Plain Python: the gRPC interceptor sets the
current principal, the use cases ask it questions.

Keys look like ``agc_<key_id>_<secret>``; only the SHA-256 of the secret part is stored
(the secret is 32 random bytes, so a fast hash is enough and a stolen table reveals no key).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

KEY_PREFIX = "agc"


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


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> tuple[str, str, str]:
    """(key_id, full key to show once, sha256 of its secret part)."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return key_id, f"{KEY_PREFIX}_{key_id}_{secret}", sha256(secret)


def split_key(presented: str) -> tuple[str, str] | None:
    """(key_id, secret) of a well-formed key, else None."""
    parts = presented.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def secret_matches(secret: str, digest: str) -> bool:
    return hmac.compare_digest(sha256(secret), digest)
