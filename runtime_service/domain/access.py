"""Who may ask the runtime what. Plain Python; the interceptor (api/authz.py) applies it.

| RPC                                              | who                                  |
|--------------------------------------------------|--------------------------------------|
| ResolveChannel                                   | channel keys (their channels), viewer+ |
| ResolveAgent, GetProductionSnapshot, WatchProduction | unrestricted channel keys, viewer+ |
| Chat, StreamChat (Draft or any version)          | editor+ (never a channel key)        |
| RunTests (the caller's key is forwarded)         | editor+ (never a channel key)        |
| ListConversations, GetConversation               | viewer+ (never a channel key)        |
| ReportOutcomes                                   | channel keys (any), viewer+          |
| GetReplicaStatus                                 | any valid key, the service credential |
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime

from agentconfig.apikeys import secret_matches
from agentconfig.errors import NotFound, PermissionDenied

RANK = {"viewer": 1, "editor": 2, "publisher": 3, "admin": 4}
VIEWER_ONLY = {"ListConversations", "GetConversation"}  # live data: no channel key reads it


@dataclass(frozen=True)
class KeyInfo:
    key_id: str
    workspace_id: str
    role: str  # viewer | editor | publisher | admin | channel
    secret_sha256: str
    expire_at: datetime | None = None
    revoked: bool = False
    channel_ids: frozenset[str] = field(default_factory=frozenset)

    def accepts(self, secret: str, now: datetime) -> bool:
        return (secret_matches(secret, self.secret_sha256) and not self.revoked
                and (self.expire_at is None or now < self.expire_at))


@dataclass(frozen=True)
class Caller:
    name: str
    workspace_id: str | None  # None: unrestricted (authentication off, or the service)
    role: str
    channel_ids: frozenset[str] = frozenset()


ANYONE = Caller("anonymous", None, "admin")
current_caller: ContextVar[Caller] = ContextVar("caller", default=ANYONE)


def _deny(method: str, needed: str) -> PermissionDenied:
    return PermissionDenied(f"{method} needs {needed}", reason="ROLE_REQUIRED",
                            metadata={"required_role": needed, "method": method})


def check_method(method: str, caller: Caller) -> None:
    if caller is ANYONE or caller.role == "service":
        if caller.role == "service" and method != "GetReplicaStatus":
            raise _deny(method, "a workspace key")
        return
    if method == "GetReplicaStatus":
        return
    if method in ("Chat", "StreamChat", "RunTests"):
        if RANK.get(caller.role, 0) < RANK["editor"]:
            raise _deny(method, "the editor role")
        return
    if method in VIEWER_ONLY:
        if RANK.get(caller.role, 0) < RANK["viewer"]:
            raise _deny(method, "the viewer role")
        return
    if caller.role == "channel":
        if caller.channel_ids and method not in ("ResolveChannel", "ReportOutcomes"):
            raise _deny(method, "a key not limited to channels")
        return
    if RANK.get(caller.role, 0) < RANK["viewer"]:
        raise _deny(method, "the viewer role or a channel key")


def check_workspace(workspace_id: str) -> None:
    """Another workspace is NOT_FOUND, worded as a missing one: no existence leak."""
    caller = current_caller.get()
    if caller.workspace_id is not None and caller.workspace_id != workspace_id:
        raise NotFound(f"workspace {workspace_id!r} not found", reason="WORKSPACE_NOT_FOUND")


def check_channel(channel_id: str) -> None:
    caller = current_caller.get()
    if caller.channel_ids and channel_id not in caller.channel_ids:
        raise PermissionDenied(f"this key may not resolve channel {channel_id!r}",
                               reason="CHANNEL_NOT_ALLOWED")
