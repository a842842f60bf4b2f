"""Server-side sessions. The browser holds only a random session id (an HttpOnly,
SameSite=Strict cookie); the API key, the role and the CSRF token stay in this process's
memory, so the key is never sent back to the browser nor stored there, and signing out
(or restarting the console) forgets it. Several console replicas need sticky sessions."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

COOKIE = "agentconfig_console"
MAX_SESSIONS = 10_000
ROLE_NAMES = {1: "viewer", 2: "editor", 3: "publisher", 4: "admin"}


@dataclass
class Session:
    sid: str
    csrf: str
    key: str = ""
    workspace: str = ""
    role: int = 0  # agentconfig.v1 Role: 1 viewer ... 4 admin
    seen: float = field(default_factory=time.monotonic)
    started: float = field(default_factory=time.monotonic)
    # the internal chat's turns per target, kept here so a full page reload shows them
    chats: dict[str, list[Any]] = field(default_factory=dict)
    # chat messages sent but not yet streamed, by the token of their stream
    pending: dict[str, Any] = field(default_factory=dict)
    # what a POST's answer shows once, on the page it redirects to (post/redirect/get, so a
    # reload never posts again): a new key's secret, where a replaced Draft was kept
    flash: dict[str, Any] = field(default_factory=dict)

    @property
    def signed_in(self) -> bool:
        return bool(self.key)

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, "none")

    def can(self, role: int) -> bool:
        return self.signed_in and self.role >= role

    def csrf_ok(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(presented or "", self.csrf)


class SessionStore:
    def __init__(self, idle_seconds: float, max_seconds: float = 24 * 3600.0) -> None:
        self._idle = idle_seconds
        self._max = max_seconds
        self._sessions: dict[str, Session] = {}

    def new(self) -> Session:
        if len(self._sessions) >= MAX_SESSIONS:
            self._expire()
        if len(self._sessions) >= MAX_SESSIONS:
            # still full: drop the oldest visitor who has not signed in, so a flood of
            # cookie-less requests cannot sign anyone out; the oldest of all only if
            # every session is signed in
            anonymous = [s for s in self._sessions.values() if not s.signed_in]
            oldest = min(anonymous or self._sessions.values(), key=lambda s: s.seen)
            self._sessions.pop(oldest.sid, None)
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32))
        self._sessions[session.sid] = session
        return session

    def get(self, sid: str | None) -> Session | None:
        session = self._sessions.get(sid or "")
        if session is None:
            return None
        now = time.monotonic()
        if now - session.seen > self._idle or now - session.started > self._max:
            self._sessions.pop(session.sid, None)
            return None
        session.seen = now
        return session

    def rotate(self, old: Session) -> Session:
        """A fresh id and CSRF token (at sign-in and sign-out: no session fixation)."""
        self._sessions.pop(old.sid, None)
        return self.new()

    def _expire(self) -> None:
        now = time.monotonic()
        for sid in [s.sid for s in self._sessions.values() if now - s.seen > self._idle]:
            self._sessions.pop(sid, None)
