"""Each served workspace's staged rollout, as the config service last said it is.

A rollout change is announced like a production move (its outbox row becomes a notice for
the workspace), so every notice for a workspace refreshes its rollout at once; the
reconcile refreshes active rollouts every pass and all of them every ``full_seconds``, so a
lost notice is repaired. States apply forward only, by the rollout's sequence
(WorkspaceState.apply_rollout). While the config service is unreachable the last state
stays: buckets need no I/O, so assignments go on being served as they were.
"""

from __future__ import annotations

import asyncio
import logging
import time

from agentconfig.errors import AgentConfigError
from runtime_service.service.ports import ConfigSource, RolloutArchive
from runtime_service.service.store import Store

log = logging.getLogger(__name__)


class RolloutWatch:
    def __init__(self, store: Store, config: ConfigSource, *, full_seconds: float = 30.0,
                 archive: RolloutArchive | None = None) -> None:
        self.store = store
        self.config = config
        self.full_seconds = full_seconds
        self.archive = archive
        self._last_full = 0.0
        self._running: dict[str, asyncio.Task[None]] = {}
        self._again: set[str] = set()

    def poke(self, workspace_id: str) -> None:
        """Refresh soon; notices that arrive during a refresh make one more, not many."""
        if workspace_id not in self.store.workspaces:
            return
        if workspace_id in self._running:
            self._again.add(workspace_id)
            return
        self._running[workspace_id] = asyncio.create_task(self._refresh_loop(workspace_id))

    async def _refresh_loop(self, workspace_id: str) -> None:
        try:
            while True:
                self._again.discard(workspace_id)
                await self.refresh(workspace_id)
                if workspace_id not in self._again:
                    return
        finally:
            self._running.pop(workspace_id, None)

    async def refresh(self, workspace_id: str) -> bool:
        """True when the workspace's rollout state moved."""
        try:
            found = await self.config.rollout(workspace_id)
        except AgentConfigError as exc:
            log.debug("rollout of %s not refreshed: %s", workspace_id, exc.message)
            return False
        if found is None:
            return False
        moved = self.store.state(workspace_id).apply_rollout(found)
        if moved:
            self._save()
            log.info("%s: rollout %s sequence %d (v%d at %.4g%%%s)", workspace_id,
                     found.rollout_id, found.sequence, found.candidate_version,
                     found.share_bp / 100, "" if found.active else ", ended")
        return moved

    def preload(self) -> None:
        """At start, before serving: the states this replica served by (forward only, so a
        newer one the config service gives later replaces them)."""
        if self.archive is None:
            return
        for workspace_id, state in self.archive.load().items():
            if workspace_id in self.store.workspaces:
                self.store.state(workspace_id).apply_rollout(state)

    def _save(self) -> None:
        if self.archive is None:
            return
        states = {ws: s.rollout for ws, s in self.store.workspaces.items() if s.rollout}
        try:
            self.archive.save(states)
        except OSError as exc:
            log.warning("rollout states not saved to disk: %s", exc)

    async def reconcile(self) -> None:
        """Active rollouts every pass (a step is a new share); every workspace now and
        then (a rollout started while its notice was lost)."""
        full = time.monotonic() - self._last_full >= self.full_seconds
        if full:
            self._last_full = time.monotonic()
        for state in list(self.store.workspaces.values()):
            if full or (state.rollout is not None and state.rollout.active):
                await self.refresh(state.workspace_id)
