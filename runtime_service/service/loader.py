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
import time
from datetime import UTC, datetime

from agentconfig.bus import ProductionMove
from agentconfig.errors import AgentConfigError, FailedPrecondition, NotFound, Unavailable
from agentconfig.metrics import DEGRADED, REFUSED, RELOADS, SERVED_VERSION
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.domain.snapshot import SnapshotCorrupt, build
from runtime_service.service.conversations import Conversations
from runtime_service.service.ports import (
    ChannelBinding,
    ConfigSource,
    Notifications,
    SnapshotCache,
)
from runtime_service.service.store import Store, WorkspaceState

log = logging.getLogger(__name__)


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
        self.config_reachable = True
        self.corrupt: dict[str, str] = {}

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
            except Unavailable:
                self._load_from_disk(workspace_id)
            return self.store.state(workspace_id)

    # loading --------------------------------------------------------------------------
    async def _load_production(self, workspace_id: str) -> None:
        try:
            snapshot = await self.config.production(workspace_id)
            channels = await self.config.channels(workspace_id)
        except Unavailable:
            self.config_reachable = False
            raise
        self.config_reachable = True
        await self._set_channels(workspace_id, channels)
        await self._install(snapshot, "")

    async def _set_channels(self, workspace_id: str, channels: list[ChannelBinding]) -> None:
        self._channels_read[workspace_id] = time.monotonic()
        state = self.store.state(workspace_id)
        bindings = {c.channel_id: c for c in channels}
        if bindings != state.channels:
            state.channels = bindings
            await asyncio.to_thread(self.cache.save_channels, workspace_id, channels)

    def _load_from_disk(self, workspace_id: str) -> None:
        snapshot = self.cache.load(workspace_id)
        if snapshot is None:
            raise Unavailable(f"no snapshot of {workspace_id!r}: the config service is "
                              "unreachable and there is no last-known-good copy on disk",
                              reason="NO_SNAPSHOT")
        try:
            serving = build(snapshot)
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
        log.warning("serving %s v%d from the last-known-good disk copy", workspace_id,
                    serving.version)

    async def _install(self, snapshot: pb.Snapshot, expected_hash: str) -> None:
        try:
            serving = build(snapshot, expected_hash)
        except SnapshotCorrupt as exc:
            REFUSED.inc()
            self.corrupt[snapshot.workspace_id] = str(exc)
            log.error("refusing v%d of %s: %s", snapshot.version, snapshot.workspace_id, exc)
            return
        self.corrupt.pop(snapshot.workspace_id, None)
        state = self.store.state(snapshot.workspace_id)
        if state.swap(serving):
            RELOADS.inc()
            SERVED_VERSION.labels(snapshot.workspace_id).set(serving.version)
            log.info("serving %s v%d", snapshot.workspace_id, serving.version)
            await asyncio.to_thread(self.cache.save, snapshot)
            await self._report(state)

    async def advance(self, move: ProductionMove) -> None:
        """Load ``move.version`` if it is newer than what is served."""
        async with self._lock(move.workspace_id):
            state = self.store.get(move.workspace_id)
            if state is None or (state.current and move.version <= state.current.version
                                 and not state.from_disk):
                return
            try:
                snapshot = await self.config.version(move.workspace_id, move.version)
                self.config_reachable = True
            except Unavailable as exc:
                self.config_reachable = False
                log.warning("cannot fetch %s v%d yet: %s", move.workspace_id, move.version, exc)
                return
            except NotFound as exc:  # a forged or mistaken notice: nothing to load
                log.warning("ignoring notice of %s v%d: %s", move.workspace_id, move.version,
                            exc)
                return
            await self._install(snapshot, move.content_hash)

    # notifications and the periodic loops -----------------------------------------------
    def on_move(self, move: ProductionMove) -> None:
        state = self.store.get(move.workspace_id)
        if state is None:
            return  # not in use here: loads on first use
        if state.current is not None and move.version <= state.current.version \
                and not state.from_disk:
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
        with contextlib.suppress(Unavailable, NotFound):
            await self._set_channels(workspace_id, await self.config.channels(workspace_id))

    async def reconcile(self, channels: bool = False) -> None:
        """Repair missed notifications: compare each loaded workspace with the pointer.
        Channel bindings (whose notices are best effort) are re-read when ``channels`` is
        set or every ``channel_refresh_seconds``, not on every pass: N replicas x W
        workspaces re-reading them every few seconds would be the config service's main
        load."""
        for workspace_id, state in list(self.store.workspaces.items()):
            try:
                pointer = await self.notifications.pointer(workspace_id)
            except Exception as exc:
                log.warning("cannot read the production pointer (%s)", exc)
                pointer = None
            if state.current is None or state.from_disk:
                with contextlib.suppress(AgentConfigError):
                    await self._load_production(workspace_id)
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
            while True:
                await asyncio.sleep(self.reconcile_seconds)
                await self.reconcile()
                now = time.monotonic()
                self.conversations.sweep(now)
                DEGRADED.set(1 if self.degraded_reasons() else 0)
                for state in list(self.store.workspaces.values()):
                    state.keep_only(self.conversations.in_use(state.workspace_id, now))
                if now - last_report >= self.report_seconds:
                    last_report = now
                    for state in list(self.store.workspaces.values()):
                        await self._report(state)
        finally:
            listener.cancel()
            for task in list(self._tasks):
                task.cancel()

    def preload_from_disk(self) -> None:
        """At start: serve what the disk has, before anything else is reachable."""
        for workspace_id in self.cache.workspaces():
            with contextlib.suppress(Unavailable):
                self._load_from_disk(workspace_id)

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

    def _spawn(self, work: object) -> None:
        task = asyncio.ensure_future(work)  # type: ignore[call-overload]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
