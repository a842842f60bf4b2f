"""A pass that every config-service instance runs every few seconds (the rollout
controller, the schedule runner): jittered so instances spread out, and a failed pass (the
database down, or a bug) is logged and the next one runs anyway."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable

from agentconfig.errors import AgentConfigError
from agentconfig.tasks import cancel_and_wait

log = logging.getLogger(__name__)


class Periodic:
    def __init__(self, name: str, work: Callable[[], Awaitable[object]],
                 interval: float) -> None:
        self.name, self._work, self._interval = name, work, interval
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def start(self) -> None:
        """Nothing runs with an interval of 0 (the setting that turns it off)."""
        if self._task is None and self._interval > 0:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=self.name)

    async def stop(self) -> None:
        """A cancel its work swallows still ends the loop at its next turn."""
        self._stopping = True
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self._interval * random.uniform(0.8, 1.2))
            try:
                await self._work()
            except AgentConfigError as exc:
                log.warning("%s: pass failed (%s); retrying", self.name, exc.message)
            except Exception:  # a bug must not stop the next pass
                log.exception("%s: pass failed", self.name)
