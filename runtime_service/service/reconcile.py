"""The pull side: a periodic reconcile that repairs missed notices (compare each loaded
workspace with the pointer in Redis, load what is newer), channel bindings re-read on
change or every so often, and the last-known-good disk copy served while the config
service cannot be reached."""

from __future__ import annotations

import logging
import time

from agentconfig.bus import MalformedNotice
from agentconfig.errors import AgentConfigError, NotFound, Unavailable
from agentconfig.resolution.snapshot import SnapshotCorrupt, build
from runtime_service.service.reload import Reloads
from runtime_service.service.store import WorkspaceState

log = logging.getLogger("runtime_service.service.loader")


class Reconciler(Reloads):
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
            state.set_channels({c.channel_id: c for c in self.cache.load_channels(workspace_id)})
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
