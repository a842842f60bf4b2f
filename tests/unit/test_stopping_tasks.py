"""A background loop whose library swallows a cancel still stops (agentconfig/tasks.py).

The CI once hung 300 s in a runtime's stop: its loader had been cancelled during the
reconcile's HGETALL, redis-py returned the reply instead of raising, and the loop went back
to sleep. The fakes here swallow cancels the way redis-py does; the real-Redis case is
tests/integration/test_redis_cancel.py."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agentconfig.bus import ProductionMove
from agentconfig.tasks import cancel_all, cancel_and_wait
from runtime_service.adapters.disk_cache import DiskSnapshotCache
from runtime_service.service.conversations import Conversations
from runtime_service.service.loader import Loader
from runtime_service.service.ports import OnChannels, OnMove, OnReconnect
from runtime_service.service.store import Store
from tests.unit.test_runtime_channel_refresh import _Config, _Quiet


async def _swallow_once() -> None:
    """What a call that returns its reply after an accepted cancel looks like to a loop."""
    try:
        await asyncio.sleep(3600)
    except asyncio.CancelledError:
        return


class _Stubborn:
    def __init__(self, swallowed: int) -> None:
        self.left, self.passes = swallowed, 0

    async def loop(self) -> None:
        while True:
            self.passes += 1
            if self.left:
                self.left -= 1
                await _swallow_once()
            else:
                await asyncio.sleep(3600)


async def test_one_cancel_is_not_enough_for_a_loop_that_swallows_it() -> None:
    stubborn = _Stubborn(swallowed=1)
    task = asyncio.create_task(stubborn.loop())
    await asyncio.sleep(0)
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=0.2)
    assert not done and stubborn.passes == 2  # what stop() used to await forever
    await cancel_and_wait(task)
    assert task.cancelled()


async def test_cancel_and_wait_ends_a_loop_that_swallows_several_cancels() -> None:
    stubborn = _Stubborn(swallowed=3)
    task = asyncio.create_task(stubborn.loop())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task), timeout=5)
    assert task.cancelled() and stubborn.passes == 4


async def test_cancel_and_wait_raises_what_the_task_ended_with() -> None:
    async def broken() -> None:
        raise ValueError("boom")

    task = asyncio.create_task(broken())
    await asyncio.sleep(0)
    with pytest.raises(ValueError, match="boom"):
        await cancel_and_wait(task)
    await cancel_and_wait(None)  # nothing started: nothing to stop


async def test_cancel_all_ends_every_task() -> None:
    loops = [_Stubborn(swallowed=n) for n in (0, 1, 2)]
    tasks = [asyncio.create_task(s.loop()) for s in loops]

    async def failed() -> None:
        raise OSError("gone")

    tasks.append(asyncio.create_task(failed()))
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_all(tasks), timeout=5)
    assert all(t.done() for t in tasks)


class _SwallowingPointer(_Quiet):
    """Notifications whose reads (the pointer's HGETALL, the subscription's) return
    normally when cancelled, as redis-py's can; the pointer read every time, so only the
    loop's own stop flag can end it."""

    def __init__(self) -> None:
        self.pointer_read = asyncio.Event()

    async def run(self, on_move: OnMove, on_channels: OnChannels,
                  on_reconnect: OnReconnect) -> None:
        await _swallow_once()
        await asyncio.sleep(3600)

    async def pointer(self, workspace_id: str) -> ProductionMove | None:
        self.pointer_read.set()
        await _swallow_once()
        return None


async def test_a_loader_stops_though_its_redis_reads_swallow_the_cancel(
        tmp_path: Path) -> None:
    notifications = _SwallowingPointer()
    loader = Loader(Store(), _Config(), notifications, DiskSnapshotCache(tmp_path),
                    Conversations(60), replica_id="r", reconcile_seconds=0.01,
                    channel_refresh_seconds=3600)
    await loader.ensure("ws")
    loader.start()
    await asyncio.wait_for(notifications.pointer_read.wait(), timeout=5)
    await asyncio.wait_for(loader.stop(), timeout=5)  # cancelled during the pointer read
    assert loader._task is not None and loader._task.done()
    assert loader._listener is not None and loader._listener.done()
