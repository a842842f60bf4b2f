"""Verifying callers' API keys locally, from records fetched with the service credential.

A record is trusted for ``ttl`` seconds, then fetched again; a revocation notice drops it at
once. Records (digests only, never a key) are kept on disk beside the snapshots, so a
replica restarted while the config service is down still answers the gateways it answered
before: while the config service is unreachable a record is trusted until
``offline_trust_seconds`` after the config service last confirmed it (docs/security.md has
the trade-off), expiry still applies, and keys accepted that way are checked again within
``offline_recheck_seconds`` of the config service coming back.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from cachetools import LRUCache

from agentconfig.apikeys import split_key
from agentconfig.errors import NotFound, Unauthenticated, Unavailable
from agentconfig.metrics import OFFLINE_KEYS
from runtime_service.domain.access import Caller, KeyInfo
from runtime_service.service.ports import ConfigSource, KeyArchive, VerifiedKey

log = logging.getLogger(__name__)
BAD_KEY = "the API key is not valid (unknown, revoked or expired)"
NEVER = float("-inf")


@dataclass(frozen=True)
class _Entry:
    info: KeyInfo | None  # None: the config service knows no such key
    checked: float  # monotonic time of the config service's answer (NEVER: from disk)
    verified_at: float  # epoch seconds of that answer (what the offline bound counts from)


class KeyCache:
    def __init__(self, config: ConfigSource, archive: KeyArchive | None = None, *,
                 ttl: float = 30.0, negative_ttl: float = 2.0,
                 offline_trust_seconds: float = 86_400.0, offline_recheck_seconds: float = 1.0,
                 max_keys: int = 100_000, clock: Callable[[], float] = time.time) -> None:
        self._config = config
        self._archive = archive
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._offline_trust = offline_trust_seconds
        self._recheck = offline_recheck_seconds
        self._max = max_keys
        self._clock = clock
        self._entries: LRUCache[str, _Entry] = LRUCache(maxsize=max_keys)
        # presented key -> (caller, monotonic deadline, key id): the read path's fast lane. A
        # plain dict (cachetools costs microseconds here), bounded by evicting the oldest.
        self._accepted: dict[str, tuple[Caller, float, str]] = {}
        self._down_until = NEVER  # no calls to an unreachable config service before this
        self._saved: dict[str, float] = {}  # key id -> verified_at as last written to disk
        self._save_task: asyncio.Task[None] | None = None

    # the disk copy ----------------------------------------------------------------------
    def load(self) -> None:
        """At start: the records kept by an earlier run, to be used only while the config
        service cannot be reached (they count as never checked)."""
        if self._archive is None:
            return
        for kept in self._archive.load():
            self._entries[kept.info.key_id] = _Entry(kept.info, NEVER, kept.verified_at)
            self._saved[kept.info.key_id] = kept.verified_at

    def _changed(self, key_id: str, entry: _Entry, *, now_dirty: bool = False) -> None:
        """Write the records out (soon, once for a burst) when one is new or its
        confirmation on disk is getting old; not on every refresh."""
        saved = self._saved.get(key_id)
        stale = saved is None or entry.verified_at - saved > min(60.0, self._offline_trust / 4)
        if self._archive is None or not (stale or now_dirty):
            return
        if self._save_task is None or self._save_task.done():
            self._save_task = asyncio.ensure_future(self._save_soon())

    async def _save_soon(self) -> None:
        await asyncio.sleep(0.2)
        await self.save()

    async def save(self) -> None:
        if self._archive is None:
            return
        kept = [VerifiedKey(e.info, e.verified_at) for e in list(self._entries.values())
                if e.info is not None]
        try:
            await asyncio.to_thread(self._archive.save, kept)
        except OSError as exc:
            log.error("could not keep the key records on disk (%s)", exc)
            return
        self._saved = {k.info.key_id: k.verified_at for k in kept}

    # revocation -------------------------------------------------------------------------
    def revoke(self, key_id: str) -> None:
        entry = self._entries.get(key_id)
        if entry is not None and entry.info is not None:
            # kept as revoked (on disk too), so a restart while offline refuses it as well
            revoked = _Entry(dataclasses.replace(entry.info, revoked=True), time.monotonic(),
                             self._clock())
            self._entries[key_id] = revoked
            self._changed(key_id, revoked, now_dirty=True)
        for token in [t for t, (_, _, k) in self._accepted.items() if k == key_id]:
            del self._accepted[token]

    # lookups ----------------------------------------------------------------------------
    async def _info(self, key_id: str) -> tuple[KeyInfo | None, bool]:
        """The record and whether it comes from the offline copy."""
        entry = self._entries.get(key_id)
        now = time.monotonic()
        if entry is not None and now - entry.checked < (
                self._ttl if entry.info is not None else self._negative_ttl):
            return entry.info, False
        if now < self._down_until and entry is not None:
            return self._offline(key_id, entry)  # a key never seen always asks
        try:
            info: KeyInfo | None = await self._config.key(key_id)
        except NotFound:
            info = None
        except Unavailable:
            # calls wait a moment (jittered) before trying the config service again
            self._down_until = now + self._recheck * random.uniform(0.5, 1.0)
            return self._offline(key_id, entry)
        fresh = _Entry(info, now, self._clock())
        self._entries[key_id] = fresh
        if info is not None:
            self._changed(key_id, fresh, now_dirty=entry is None or entry.info != info)
        return info, False

    def _offline(self, key_id: str, entry: _Entry | None) -> tuple[KeyInfo | None, bool]:
        if entry is not None and entry.info is None:
            return None, False
        if entry is not None and entry.info is not None \
                and self._clock() - entry.verified_at < self._offline_trust:
            OFFLINE_KEYS.inc()
            return entry.info, True
        raise Unavailable(
            "cannot verify this API key: the config service is unreachable and this replica "
            "holds no recent record of the key", reason="CONFIG_SERVICE_UNAVAILABLE",
            metadata={"key_id": key_id}, retry_after_seconds=1.0)

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
            info, offline = await self._info(parts[0])
            now = datetime.now(UTC)
            if info is not None and info.accepts(parts[1], now):
                caller = Caller(f"key:{info.key_id}", info.workspace_id, info.role,
                                info.channel_ids)
                self._remember(token, caller, info, now, offline)
                return caller
        raise Unauthenticated(BAD_KEY, reason="BAD_KEY")

    def _remember(self, token: str, caller: Caller, info: KeyInfo, now: datetime,
                  offline: bool) -> None:
        lifetime = self._recheck if offline else self._ttl
        if info.expire_at is not None:
            lifetime = min(lifetime, (info.expire_at - now).total_seconds())
        self._accepted.pop(token, None)
        while len(self._accepted) >= self._max:
            del self._accepted[next(iter(self._accepted))]
        self._accepted[token] = (caller, time.monotonic() + lifetime, info.key_id)
