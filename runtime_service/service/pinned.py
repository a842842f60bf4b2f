"""Versions a conversation is pinned to that this replica does not hold: fetched once
however many turns ask, verified, and kept beside Production, never instead of it."""

from __future__ import annotations

import asyncio
import logging
import time

from agentconfig.errors import AgentConfigError, Unavailable
from agentconfig.metrics import REFUSED
from agentconfig.resolution.snapshot import ServingSnapshot, SnapshotCorrupt, build
from runtime_service.service.loader_base import LoaderBase
from runtime_service.service.store import WorkspaceState

log = logging.getLogger("runtime_service.service.loader")


class PinnedLoads(LoaderBase):
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
            serving = await self._off_loop(len(snapshot.entities), build, snapshot,
                                           content_hash, production=True)
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
