"""The embedded mode's runtime is the only replica, in the same process as the config
service, so it serves every workspace: it loads one as soon as it is published, rather than
on its first use as a replica of a fleet does (that one serves only what is asked of it),
and its rollout report is there when ``agentctl publish`` follows the rollout. After a
restart, the banner waits (briefly) for the report of every workspace served from disk, so
``agentctl status`` never finds the replica silent."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from agentconfig.bus import InProcessBus, ProductionMove
from agentconfig.errors import AgentConfigError
from runtime_service.service.loader import Loader

log = logging.getLogger("embedded")
POLL_SECONDS = 0.05


class LoadOnPublish:
    """Loads a workspace the replica does not serve yet when a version of it is published
    (the loader itself follows the workspaces it already serves)."""

    def __init__(self, bus: InProcessBus, loader: Loader) -> None:
        self._bus = bus
        self._loader = loader
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe: Callable[[], None] | None = None

    def start(self) -> None:
        self._unsubscribe = self._bus.subscribe(self._on_move, lambda workspace_id: None)

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _on_move(self, move: ProductionMove) -> None:
        if move.workspace_id in self._loader.store.workspaces:
            return
        task = asyncio.get_running_loop().create_task(self._load(move.workspace_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _load(self, workspace_id: str) -> None:
        try:
            await self._loader.ensure(workspace_id)
        except AgentConfigError as exc:  # it loads on first use instead
            log.warning("could not load %s after its publish: %s", workspace_id, exc)


async def reported(bus: InProcessBus, loader: Loader, replica_id: str) -> None:
    """Return once the replica has reported every workspace it serves (the caller bounds
    the wait)."""
    while True:
        served = [w for w, s in loader.store.workspaces.items() if s.current is not None]
        if all((w, replica_id) in bus.rollout for w in served):
            return
        await asyncio.sleep(POLL_SECONDS)
