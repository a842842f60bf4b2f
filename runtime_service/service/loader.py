"""Keeps each workspace's snapshot current: first load on first use, hot reload on
notification, a periodic reconcile that repairs missed notifications, and the disk copy
that lets a replica serve while the config service or Redis is down.

Every path goes through ``_install``: verify the hash, swap forward only, save to disk,
report the rollout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any

from agentconfig.bus import MalformedNotice, ProductionMove
from agentconfig.errors import AgentConfigError, FailedPrecondition, NotFound, Unavailable
from agentconfig.metrics import DEGRADED, NOTICES_REFUSED, REFUSED, RELOADS, SERVED_VERSION
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.domain.snapshot import ServingSnapshot, SnapshotCorrupt, build
from runtime_service.service.conversations import Conversations
from runtime_service.service.ports import (
    ChannelBinding,
    ConfigSource,
    Notifications,
    SnapshotCache,
)
from runtime_service.service.store import Store, WorkspaceState

log = logging.getLogger(__name__)
RETRY_CAP = 1.0  # seconds: a fetch that failed is retried at least this often, jittered


class Loader:
    def __init__(self, store: Store, config: ConfigSource, notifications: Notifications,
                 cache: SnapshotCache, conversations: Conversations, *, replica_id: str,
                 reconcile_seconds: float = 3.0, report_seconds: float = 5.0,
                 channel_refresh_seconds: float = 30.0,
                 negative_seconds: float = 1.0) -> None:
        self.store = store
        self.config = config
        self.notifications = notifications
        self.cache = cache
        self.conversations = conversations
        self.replica_id = replica_id
        self.reconcile_seconds = reconcile_seconds
        self.report_seconds = report_seconds
        self.channel_refresh_seconds = channel_refresh_seconds
        self._channels_read: dict[str, float] = {}  # workspace -> when bindings were read
        self._negative_seconds = negative_seconds
        self._missing: dict[str, tuple[float, AgentConfigError]] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pinned: dict[tuple[str, int], asyncio.Future[ServingSnapshot | None]] = {}
        self._pin_failed: dict[tuple[str, int], float] = {}  # when a pinned fetch failed
        self.config_reachable = True
        self.corrupt: dict[str, str] = {}
        self._unconfirmed: set[str] = set()  # preloaded from disk, not yet checked

    # read path ------------------------------------------------------------------------
    async def ensure(self, workspace_id: str) -> WorkspaceState:
        state = self.store.get(workspace_id)
        if state is not None and state.current is not None:
            return state
        return await self._first_load(workspace_id)

    async def _first_load(self, workspace_id: str) -> WorkspaceState:
        remembered = self._missing.get(workspace_id)
        if remembered and time.monotonic() - remembered[0] < self._negative_seconds:
            raise remembered[1]
        async with self._lock(workspace_id):
            state = self.store.get(workspace_id)
            if state is not None and state.current is not None:
                return state
            try:
                await self._load_production(workspace_id)
            except NotFound as exc:
                error: AgentConfigError = exc
                if exc.reason == "NO_PRODUCTION":
                    self.store.state(workspace_id)  # so the first publish's notice loads it
                    error = FailedPrecondition(f"nothing is published in {workspace_id!r} yet",
                                               reason="NO_PRODUCTION")
                self._missing[workspace_id] = (time.monotonic(), error)
                raise error from None
            except Unavailable as exc:
                self._load_from_disk(workspace_id)
                self._warn_stale(workspace_id, exc)
            return self.store.state(workspace_id)

    # loading --------------------------------------------------------------------------
    async def _load_production(self, workspace_id: str) -> None:
        snapshot, channels = await self._fetch(self.config.production(workspace_id),
                                               workspace_id)
        await self._set_channels(workspace_id, channels)
        await self._install(snapshot, "")

    async def _fetch(self, snapshot: Coroutine[Any, Any, pb.Snapshot], workspace_id: str,
                     ) -> tuple[pb.Snapshot, list[ChannelBinding]]:
        """A snapshot and the workspace's channel bindings, read together: a snapshot is
        never installed beside bindings older than itself (a replica asked before the
        first publish has none yet, and the go-live must bring them)."""
        results = await asyncio.gather(snapshot, self.config.channels(workspace_id),
                                       return_exceptions=True)
        for result in results:
            if isinstance(result, Unavailable):
                self.config_reachable = False
                raise result
        for result in results:
            if isinstance(result, BaseException):
                raise result
        self.config_reachable = True
        return results[0], results[1]

    async def _set_channels(self, workspace_id: str, channels: list[ChannelBinding]) -> None:
        self._channels_read[workspace_id] = time.monotonic()
        state = self.store.state(workspace_id)
        bindings = {c.channel_id: c for c in channels}
        if bindings != state.channels:
            state.channels = bindings
            await asyncio.to_thread(self.cache.save_channels, workspace_id, channels)

    def _load_from_disk(self, workspace_id: str) -> int:
        """Serve the last-known-good copy (its version is returned); the caller says why (a
        start that will confirm it, or a config service that cannot be reached)."""
        snapshot = self.cache.load(workspace_id)
        if snapshot is None:
            raise Unavailable(f"no snapshot of {workspace_id!r}: the config service is "
                              "unreachable and there is no last-known-good copy on disk",
                              reason="NO_SNAPSHOT")
        try:
            serving = build(snapshot, production=True)
        except SnapshotCorrupt as exc:
            self.corrupt[workspace_id] = f"disk copy refused: {exc}"
            log.error("refusing corrupt disk snapshot of %s: %s", workspace_id, exc)
            raise Unavailable(f"no usable snapshot of {workspace_id!r}: the disk copy does "
                              "not verify and the config service is unreachable",
                              reason="NO_SNAPSHOT") from None
        state = self.store.state(workspace_id)
        state.swap(serving, from_disk=True)
        if not state.channels:
            state.channels = {c.channel_id: c for c in self.cache.load_channels(workspace_id)}
        return serving.version

    def _warn_stale(self, workspace_id: str, why: Exception) -> None:
        """The one WARNING of the disk copy: it is served because the config service is
        unreachable, not merely because the replica has just started."""
        self._unconfirmed.discard(workspace_id)
        state = self.store.get(workspace_id)
        if state is not None and state.current is not None and state.from_disk:
            log.warning("serving %s v%d from the last-known-good disk copy: the config "
                        "service is unreachable (%s)", workspace_id, state.current.version,
                        why)

    async def _install(self, snapshot: pb.Snapshot, expected_hash: str) -> None:
        try:
            serving = build(snapshot, expected_hash, production=True)
        except SnapshotCorrupt as exc:
            REFUSED.inc()
            self.corrupt[snapshot.workspace_id] = str(exc)
            log.error("refusing v%d of %s: %s", snapshot.version, snapshot.workspace_id, exc)
            return
        self.corrupt.pop(snapshot.workspace_id, None)
        state = self.store.state(snapshot.workspace_id)
        self._unconfirmed.discard(snapshot.workspace_id)
        if state.swap(serving):
            RELOADS.inc()
            SERVED_VERSION.labels(snapshot.workspace_id).set(serving.version)
            log.info("serving %s v%d", snapshot.workspace_id, serving.version)
            await asyncio.to_thread(self.cache.save, snapshot)
            await self._report(state)

    async def advance(self, move: ProductionMove, attempt: int = 0) -> None:
        """Load ``move.version`` if it is newer than what is served. When the config
        service cannot be reached the fetch is retried soon (capped, jittered backoff) for
        about one reconcile interval, after which the reconcile carries on: a publish made
        just as the config service comes back is served within a second or so, not at the
        next reconcile."""
        async with self._lock(move.workspace_id):
            state = self.store.get(move.workspace_id)
            if state is None or not self._newer(state, move):
                return
            try:
                snapshot, channels = await self._fetch(
                    self.config.version(move.workspace_id, move.version), move.workspace_id)
            except Unavailable as exc:
                log.warning("cannot fetch %s v%d yet: %s", move.workspace_id, move.version, exc)
                self._retry(move, attempt)
                return
            except NotFound as exc:  # a forged or mistaken notice: nothing to load
                NOTICES_REFUSED.labels("unknown_version").inc()
                log.warning("ignoring notice of %s v%d: %s", move.workspace_id, move.version,
                            exc)
                return
            await self._set_channels(move.workspace_id, channels)
            await self._install(snapshot, move.content_hash)

    @staticmethod
    def _newer(state: WorkspaceState, move: ProductionMove) -> bool:
        return state.current is None or state.from_disk or move.version > state.current.version

    def _retry(self, move: ProductionMove, attempt: int) -> None:
        delays = [min(RETRY_CAP, 0.1 * 2 ** n) for n in range(attempt + 1)]
        if sum(delays) > self.reconcile_seconds + RETRY_CAP:
            return  # the reconcile takes it from here
        delay = delays[-1]

        async def later() -> None:
            await asyncio.sleep(random.uniform(delay / 2, delay))
            await self.advance(move, attempt + 1)

        self._spawn(later())

    async def load_pinned(self, workspace_id: str, version: int, content_hash: str,
                          ) -> ServingSnapshot | None:
        """A version a conversation is pinned to that this replica does not hold (another
        replica pinned it, or this one restarted): fetched once however many turns ask,
        verified against the hash the conversation started on, and kept in the
        workspace's ``versions`` while conversations use it. None when it cannot be had
        now; the caller answers from Production and tries again next turn."""
        state = self.store.state(workspace_id)
        if version in state.versions:
            return state.versions[version]
        key = (workspace_id, version)
        if time.monotonic() - self._pin_failed.get(key, -1e9) < self._negative_seconds:
            return None  # failed a moment ago: do not ask the config service every turn
        if key not in self._pinned:
            task = asyncio.ensure_future(self._fetch_pinned(state, version, content_hash))
            self._pinned[key] = task
            task.add_done_callback(lambda _: self._pinned.pop(key, None))
        return await asyncio.shield(self._pinned[key])

    async def _fetch_pinned(self, state: WorkspaceState, version: int, content_hash: str,
                            ) -> ServingSnapshot | None:
        try:
            snapshot = await self.config.version(state.workspace_id, version)
            if (snapshot.workspace_id, snapshot.version) != (state.workspace_id, version):
                raise SnapshotCorrupt(f"asked for v{version}, got v{snapshot.version}")
            serving = build(snapshot, content_hash, production=True)
        except (AgentConfigError, SnapshotCorrupt) as exc:
            if isinstance(exc, Unavailable):
                self.config_reachable = False
            elif isinstance(exc, SnapshotCorrupt):
                REFUSED.inc()
            log.warning("cannot load pinned v%d of %s (%s); answering from Production",
                        version, state.workspace_id, exc)
            self._pin_failed[(state.workspace_id, version)] = time.monotonic()
            return None
        return state.versions.setdefault(version, serving)

    # notifications and the periodic loops -----------------------------------------------
    def on_move(self, move: ProductionMove) -> None:
        state = self.store.get(move.workspace_id)
        if state is None:
            return  # not in use here: loads on first use
        if not self._newer(state, move):
            return  # a duplicate or an old, reordered notice
        self._missing.pop(move.workspace_id, None)
        self._spawn(self.advance(move))

    def on_channels(self, workspace_id: str) -> None:
        if workspace_id in self.store.workspaces:
            self._spawn(self.refresh_channels(workspace_id))

    def on_reconnect(self) -> None:
        # channel notices may have been missed too while there was no subscription
        self._spawn(self.reconcile(channels=True))

    async def refresh_channels(self, workspace_id: str) -> None:
        try:
            channels = await self.config.channels(workspace_id)
        except Unavailable:
            self.config_reachable = False
            return
        except NotFound:
            return
        self.config_reachable = True
        await self._set_channels(workspace_id, channels)

    async def reconcile(self, channels: bool = False) -> None:
        """Repair missed notifications: compare each loaded workspace with the pointer.
        Channel bindings (whose notices are best effort) are re-read when ``channels`` is
        set or every ``channel_refresh_seconds``, not on every pass: N replicas x W
        workspaces re-reading them every few seconds would be the config service's main
        load. After a failed call the config-service connection is renewed first, so a
        reconnect backoff grown during an outage cannot outlast it."""
        if not self.config_reachable:
            await self.config.reconnect()
        for workspace_id, state in list(self.store.workspaces.items()):
            try:
                await self._reconcile_one(workspace_id, state, channels)
            except Exception:  # one workspace must never stop the others, or the loop
                log.exception("reconcile of %s failed", workspace_id)

    async def _reconcile_one(self, workspace_id: str, state: WorkspaceState,
                             channels: bool) -> None:
        try:
            pointer = await self.notifications.pointer(workspace_id)
        except MalformedNotice as exc:
            log.warning("%s", exc)
            pointer = None
        except Exception as exc:
            log.warning("cannot read the production pointer (%s)", exc)
            pointer = None
        if state.current is None or state.from_disk:
            try:
                await self._load_production(workspace_id)
            except Unavailable as exc:
                if workspace_id in self._unconfirmed:
                    self._warn_stale(workspace_id, exc)
            except AgentConfigError:
                pass
        elif pointer is not None and pointer.version > state.current.version:
            await self.advance(pointer)
        last_read = self._channels_read.get(workspace_id, 0.0)
        if channels or time.monotonic() - last_read >= self.channel_refresh_seconds:
            await self.refresh_channels(workspace_id)

    async def _report(self, state: WorkspaceState) -> None:
        if state.current is None:
            return
        report = {"replica_id": self.replica_id, "version": state.current.version,
                  "content_hash": state.current.content_hash,
                  "load_time": state.current.loaded_at.timestamp(),
                  "report_time": datetime.now(UTC).timestamp()}
        try:
            await self.notifications.report(state.workspace_id, report,
                                            ttl=self.report_seconds * 3)
        except Exception as exc:
            log.warning("rollout report failed (%s)", exc)

    async def run(self) -> None:
        """The background work of a replica, until cancelled."""
        # late-bound, so the handlers can be swapped while running (tests drop notices)
        listener = asyncio.create_task(self.notifications.run(
            lambda move: self.on_move(move), lambda ws: self.on_channels(ws),
            lambda: self.on_reconnect()))
        try:
            last_report = 0.0
            while True:  # jittered so that replicas do not hit the config service together
                await asyncio.sleep(self.reconcile_seconds * random.uniform(0.75, 1.0))
                await self.reconcile()
                now = time.monotonic()
                self.conversations.sweep(time.time())
                DEGRADED.set(1 if self.degraded_reasons() else 0)
                in_use = self.conversations.in_use(time.time())
                for state in list(self.store.workspaces.values()):
                    state.keep_only(in_use.get(state.workspace_id, set()))
                if now - last_report >= self.report_seconds:
                    last_report = now
                    for state in list(self.store.workspaces.values()):
                        await self._report(state)
        finally:
            listener.cancel()
            for task in list(self._tasks):
                task.cancel()

    def preload_from_disk(self) -> None:
        """At start: serve what the disk has, before anything else is reachable. An ordinary
        start (INFO); the first reconcile confirms each copy with the config service, and
        warns only if it cannot reach it."""
        for workspace_id in self.cache.workspaces():
            with contextlib.suppress(Unavailable):
                version = self._load_from_disk(workspace_id)
                self._unconfirmed.add(workspace_id)
                log.info("loaded %s v%d from disk, confirming with the config service",
                         workspace_id, version)

    def degraded_reasons(self) -> list[str]:
        reasons = []
        if not self.notifications.connected:
            reasons.append("not subscribed to notifications (Redis unreachable?)")
        if not self.config_reachable:
            reasons.append("config service unreachable")
        reasons += [f"{ws}: serving the last-known-good disk copy of v{s.current.version}"
                    for ws, s in sorted(self.store.workspaces.items())
                    if s.from_disk and s.current is not None]
        reasons += [f"{ws}: {why}" for ws, why in sorted(self.corrupt.items())]
        return reasons

    def _lock(self, workspace_id: str) -> asyncio.Lock:
        return self._locks.setdefault(workspace_id, asyncio.Lock())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        """Background work logs its own failure: nothing is left for "Task exception was
        never retrieved"."""
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background reload failed", exc_info=task.exception())
