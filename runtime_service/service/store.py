"""Per-workspace serving state. The current snapshot is swapped by replacing one reference
(readers hold the old object or the new one, never a mix), and only ever forward: a
version older than or equal to the one served is ignored, whatever order
notifications arrive in."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from agentconfig.resolution.snapshot import ServingSnapshot
from agentconfig.rollouts import RolloutState
from runtime_service.service.ports import ChannelBinding


@dataclass
class WorkspaceState:
    workspace_id: str
    current: ServingSnapshot | None = None
    # versions still in use by pinned conversations, by number
    versions: dict[int, ServingSnapshot] = field(default_factory=dict)
    channels: dict[str, ChannelBinding] = field(default_factory=dict)
    from_disk: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    # the workspace's staged rollout as last seen (agentconfig.rollouts), forward only
    rollout: RolloutState | None = None

    def apply_rollout(self, rollout: RolloutState) -> bool:
        """Take a rollout state if its sequence is newer; True when it moved. A late answer
        never undoes a newer state (an abort is not revived by a slow refresh)."""
        if self.rollout is not None and rollout.sequence <= self.rollout.sequence:
            return False
        self.rollout = rollout
        return True

    def swap(self, snapshot: ServingSnapshot, *, from_disk: bool = False) -> bool:
        """Serve ``snapshot`` if it is newer; True when it moved."""
        if self.current is not None and snapshot.version <= self.current.version:
            if snapshot.version == self.current.version and self.from_disk and not from_disk:
                self.from_disk = False  # the same version, now confirmed by the source
            return False
        self.current = snapshot
        self.versions[snapshot.version] = snapshot
        self.from_disk = from_disk
        self.wake()
        return True

    def set_channels(self, bindings: dict[str, ChannelBinding]) -> bool:
        """Take the workspace's bindings (live data); True when they changed. Watchers
        are woken: a gateway's local resolver answers channels from them."""
        if bindings == self.channels:
            return False
        self.channels = bindings
        self.wake()
        return True

    def wake(self) -> None:
        """Wake WatchProduction streams: set then replace, so each waiter sees one edge."""
        self.changed.set()
        self.changed = asyncio.Event()

    def keep_only(self, numbers: set[int]) -> None:
        current = self.current.version if self.current else 0
        self.versions = {n: s for n, s in self.versions.items() if n in numbers or n == current}


class Store:
    def __init__(self) -> None:
        self.workspaces: dict[str, WorkspaceState] = {}

    def get(self, workspace_id: str) -> WorkspaceState | None:
        return self.workspaces.get(workspace_id)

    def state(self, workspace_id: str) -> WorkspaceState:
        found = self.workspaces.get(workspace_id)
        if found is None:
            found = self.workspaces[workspace_id] = WorkspaceState(workspace_id)
        return found
