"""Verifying callers' API keys locally, from records fetched with the service credential and
cached briefly. A revocation notice drops the key at once; the cache lifetime bounds how
long a missed notice could matter."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from agentconfig.apikeys import split_key
from agentconfig.errors import NotFound, Unauthenticated, Unavailable
from runtime_service.domain.access import Caller, KeyInfo
from runtime_service.service.ports import ConfigSource

BAD_KEY = "the API key is not valid (unknown, revoked or expired)"


class KeyCache:
    def __init__(self, config: ConfigSource, *, ttl: float = 30.0,
                 negative_ttl: float = 2.0) -> None:
        self._config = config
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._entries: dict[str, tuple[KeyInfo | None, float]] = {}
        # presented key -> (caller, monotonic deadline, key id): the read path's fast lane
        self._accepted: dict[str, tuple[Caller, float, str]] = {}

    def revoke(self, key_id: str) -> None:
        self._entries.pop(key_id, None)
        for token in [t for t, (_, _, k) in self._accepted.items() if k == key_id]:
            del self._accepted[token]

    async def _info(self, key_id: str) -> KeyInfo | None:
        entry = self._entries.get(key_id)
        now = time.monotonic()
        if entry is not None:
            info, at = entry
            if now - at < (self._ttl if info is not None else self._negative_ttl):
                return info
        try:
            info = await self._config.key(key_id)
        except NotFound:
            info = None
        except Unavailable:
            if entry is not None and entry[0] is not None:
                return entry[0]  # keep serving known keys while the config service is away
            raise
        self._entries[key_id] = (info, now)
        if len(self._entries) > 100_000:
            self._entries.clear()
        return info

    def accepted(self, token: str | None) -> Caller | None:
        """The caller of a key verified within its cache lifetime, else None."""
        hit = self._accepted.get(token) if token else None
        if hit is not None and time.monotonic() < hit[1]:
            return hit[0]
        return None

    async def caller(self, token: str | None) -> Caller:
        known = self.accepted(token)
        if known is not None:
            return known
        if not token:
            raise Unauthenticated("missing credentials: send `authorization: Bearer <key>`",
                                  reason="NO_KEY")
        parts = split_key(token)
        if parts is not None:
            info = await self._info(parts[0])
            now = datetime.now(UTC)
            if info is not None and info.accepts(parts[1], now):
                caller = Caller(f"key:{info.key_id}", info.workspace_id, info.role,
                                info.channel_ids)
                deadline = time.monotonic() + self._ttl
                if info.expire_at is not None:
                    deadline = min(deadline, time.monotonic()
                                   + (info.expire_at - now).total_seconds())
                if len(self._accepted) > 100_000:
                    self._accepted.clear()
                self._accepted[token] = (caller, deadline, info.key_id)
                return caller
        raise Unauthenticated(BAD_KEY, reason="BAD_KEY")
