"""The periodic pass the config service runs (rollout controller, schedule runner): it runs
again after a pass that failed, stops when asked, and an interval of 0 turns it off."""

from __future__ import annotations

import asyncio

from agentconfig.errors import Unavailable
from config_service.service.periodic import Periodic


async def test_runs_on_after_failures_and_stops() -> None:
    calls: list[int] = []

    async def work() -> None:
        calls.append(len(calls))
        if len(calls) == 1:
            raise Unavailable("database down")
        if len(calls) == 2:
            raise RuntimeError("a bug")

    periodic = Periodic("test", work, 0.01)
    periodic.start()
    periodic.start()  # once only
    await asyncio.sleep(0.2)
    await periodic.stop()
    done = len(calls)
    assert done >= 4
    await asyncio.sleep(0.05)
    assert len(calls) == done


async def test_an_interval_of_zero_is_off() -> None:
    calls: list[int] = []

    async def work() -> None:
        calls.append(1)

    periodic = Periodic("off", work, 0)
    periodic.start()
    await asyncio.sleep(0.05)
    await periodic.stop()
    assert calls == []
