"""Keeps each workspace's snapshot current: first load on first use, hot reload on
notification (by delta where it can: reload.py), a periodic reconcile that repairs missed
notifications (reconcile.py), versions pinned by conversations (pinned.py), and the disk
copy that lets a replica serve while the config service or Redis is down.

Every path ends in ``LoaderBase._swap`` (loader_base.py): verified, forward only, saved to
disk, reported for the rollout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time

from opentelemetry.trace import SpanKind

from agentconfig import tracing
from agentconfig.bus import ProductionMove
from agentconfig.errors import AgentConfigError, FailedPrecondition, NotFound, Unavailable
from agentconfig.metrics import DEGRADED
from agentconfig.tasks import cancel_all, cancel_and_wait
from runtime_service.service.pinned import PinnedLoads
from runtime_service.service.reconcile import Reconciler
from runtime_service.service.store import WorkspaceState

log = logging.getLogger(__name__)


class Loader(Reconciler, PinnedLoads):
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
                if self.rollouts is not None:  # before the first conversation picks
                    await self.rollouts.refresh(workspace_id)
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

    # notifications and the periodic loops -----------------------------------------------
    def on_move(self, move: ProductionMove) -> None:
        state = self.store.get(move.workspace_id)
        if state is None:
            return  # not in use here: loads on first use
        if self.rollouts is not None:  # a rollout change is announced as a notice too
            self.rollouts.poke(move.workspace_id)
        if not self._newer(state, move):
            return  # a duplicate or an old, reordered notice
        self._missing.pop(move.workspace_id, None)
        self._spawn(self._reload(move))

    async def _reload(self, move: ProductionMove) -> None:
        """``advance`` in a "reload" span continuing the trace the notice names (the relay's
        delivery of the publish), so the fetch it makes is part of the publish's trace; a
        notice without one (an older config service, or tracing off there) starts a new
        trace."""
        with tracing.continued("reload", move.traceparent, kind=SpanKind.CONSUMER,
                               attributes={"agentconfig.workspace_id": move.workspace_id,
                                           "agentconfig.version": move.version}):
            await self.advance(move)

    def on_channels(self, workspace_id: str) -> None:
        if workspace_id in self.store.workspaces:
            self._spawn(self.refresh_channels(workspace_id))

    def on_reconnect(self) -> None:
        # channel notices may have been missed too while there was no subscription
        self._spawn(self.reconcile(channels=True))

    def start(self) -> None:
        self._task = asyncio.create_task(self.run(), name="runtime-loader")

    async def run(self) -> None:
        """The background work of a replica, until stopped."""
        # late-bound, so the handlers can be swapped while running (tests drop notices)
        self._listener = asyncio.create_task(self.notifications.run(
            lambda move: self.on_move(move), lambda ws: self.on_channels(ws),
            lambda: self.on_reconnect()), name="runtime-notifications")
        try:
            last_report = 0.0
            while not self._stopping:  # jittered: replicas do not hit the config service together
                await asyncio.sleep(self.reconcile_seconds * random.uniform(0.75, 1.0))
                await self.reconcile()
                if self.rollouts is not None:
                    await self.rollouts.reconcile()
                if self.outcomes is not None:
                    await self.outcomes.flush()
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
            self._listener.cancel()
            for task in list(self._tasks):
                task.cancel()

    async def stop(self) -> None:
        """The loop ``run`` started, and the listener and reloads it started, all ended
        (agentconfig/tasks.py: a cancel may be swallowed by redis-py, and the loop then ends
        at its next turn)."""
        self._stopping = True
        await cancel_and_wait(self._task)
        await cancel_all([t for t in (self._listener, *self._tasks) if t is not None])

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
