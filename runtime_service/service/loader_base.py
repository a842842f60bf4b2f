"""What every part of the loader shares: the per-workspace lock, background tasks, reading
a snapshot together with its channel bindings, and the one forward-only swap every load
ends in (count it, save the disk copy, report the rollout)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

from agentconfig.errors import AgentConfigError, Unavailable
from agentconfig.metrics import RELOADS, SERVED_VERSION
from agentconfig.resolution.snapshot import ServingSnapshot
from runtime_service.service.conversations import Conversations
from runtime_service.service.outcomes import OutcomeTally
from runtime_service.service.ports import (
    ChannelBinding,
    ConfigSource,
    Notifications,
    SnapshotCache,
)
from runtime_service.service.rollout_watch import RolloutWatch
from runtime_service.service.store import Store, WorkspaceState

log = logging.getLogger("runtime_service.service.loader")
T = TypeVar("T")
# Building or verifying more entities than this runs in a worker thread, so the event loop
# that answers gateways keeps answering (the thread gives the GIL back every few ms).
THREAD_ABOVE = 200


class LoaderBase:
    def __init__(self, store: Store, config: ConfigSource, notifications: Notifications,
                 cache: SnapshotCache, conversations: Conversations, *, replica_id: str,
                 reconcile_seconds: float = 3.0, report_seconds: float = 5.0,
                 channel_refresh_seconds: float = 30.0,
                 negative_seconds: float = 1.0, notice_key: bytes = b"") -> None:
        self.store = store
        self.notice_key = notice_key  # checks deltas carried in notices; none: not trusted
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
        self._task: asyncio.Task[None] | None = None  # run(), once started
        self._listener: asyncio.Task[None] | None = None
        self._stopping = False
        self._pinned: dict[tuple[str, int], asyncio.Future[ServingSnapshot | None]] = {}
        self._pin_failed: dict[tuple[str, int], float] = {}  # when a pinned fetch failed
        self.config_reachable = True
        self.corrupt: dict[str, str] = {}
        self._unconfirmed: set[str] = set()  # preloaded from disk, not yet checked
        self.rollouts: RolloutWatch | None = None  # staged rollouts, wired by the bootstrap
        self.outcomes: OutcomeTally | None = None  # gateways' outcome reports, forwarded

    async def _fetch(self, first: Coroutine[Any, Any, T], workspace_id: str,
                     ) -> tuple[T, list[ChannelBinding]]:
        """A snapshot (or a delta) and the workspace's channel bindings, read together: a
        snapshot is never installed beside bindings older than itself (a replica asked
        before the first publish has none yet, and the go-live must bring them)."""
        results = await asyncio.gather(first, self.config.channels(workspace_id),
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
        if state.set_channels({c.channel_id: c for c in channels}):
            await asyncio.to_thread(self.cache.save_channels, workspace_id, channels)

    @staticmethod
    async def _off_loop(size: int, work: Callable[..., T], *args: Any, **kw: Any) -> T:
        """Run ``work`` in a thread when ``size`` entities make it long."""
        if size > THREAD_ABOVE:
            return await asyncio.to_thread(work, *args, **kw)
        return work(*args, **kw)

    async def _swap(self, serving: ServingSnapshot, mode: str) -> None:
        """Serve a verified snapshot if it is newer; ``mode`` says how it was built."""
        workspace_id = serving.workspace_id
        self.corrupt.pop(workspace_id, None)
        state = self.store.state(workspace_id)
        self._unconfirmed.discard(workspace_id)
        if state.swap(serving):
            RELOADS.labels(mode).inc()
            SERVED_VERSION.labels(workspace_id).set(serving.version)
            log.info("serving %s v%d (%s)", workspace_id, serving.version, mode)
            await asyncio.to_thread(lambda: self.cache.save(serving.proto))
            await self._report(state)

    async def _report(self, state: WorkspaceState) -> None:
        if state.current is None:
            return
        report = {"replica_id": self.replica_id, "version": state.current.version,
                  "content_hash": state.current.content_hash,
                  "load_time": state.current.loaded_at.timestamp(),
                  "report_time": datetime.now(UTC).timestamp(),
                  # the staged rollout state this replica assigns new conversations by
                  "rollout_sequence": state.rollout.sequence if state.rollout else 0}
        try:
            await self.notifications.report(state.workspace_id, report,
                                            ttl=self.report_seconds * 3)
        except Exception as exc:
            log.warning("rollout report failed (%s)", exc)

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
