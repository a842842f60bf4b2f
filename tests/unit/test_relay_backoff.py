"""The outbox relay's retries: doubling from a first backoff up to a cap of about a second,
each wait jittered (a random point in the upper half), and a publish's poke delivering at
once even in the middle of a backoff. The relay runs on a SQLite file with a publisher
that fails on demand."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.bus import ProductionMove
from config_service.adapters.notify import Publisher
from config_service.adapters.outbox_relay import OutboxRelay, next_delay
from config_service.adapters.sql.engine import make_engine, migrate
from config_service.adapters.sql.tables import outbox


class Lowest:
    """A stand-in for random.uniform that records each range and picks its low end."""

    def __init__(self) -> None:
        self.ranges: list[tuple[float, float]] = []

    def __call__(self, low: float, high: float) -> float:
        self.ranges.append((low, high))
        return low


class FlakyPublisher(Publisher):
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.delivered: list[ProductionMove] = []
        self._called = asyncio.Event()

    async def publish(self, move: ProductionMove) -> None:
        self._called.set()
        if self.failures:
            self.failures -= 1
            raise ConnectionError("redis is down")
        self.delivered.append(move)

    async def until(self, done: Callable[[], bool], within: float = 2.0) -> None:
        async def wait() -> None:
            while True:
                self._called.clear()
                if done():
                    return
                await self._called.wait()
        await asyncio.wait_for(wait(), within)

    async def channels_changed(self, workspace_id: str) -> None:
        return None

    async def key_revoked(self, key_id: str) -> None:
        return None


def test_delays_double_up_to_the_cap() -> None:
    lowest = Lowest()
    for failures in range(1, 8):
        next_delay(failures, base=0.1, cap=1.0, uniform=lowest)
    assert lowest.ranges == [(0.05, 0.1), (0.1, 0.2), (0.2, 0.4), (0.4, 0.8), (0.5, 1.0),
                             (0.5, 1.0), (0.5, 1.0)]


@pytest.mark.parametrize("failures", [1, 2, 3, 5, 10, 100, 10_000, 10**9])
def test_delays_stay_within_bounds(failures: int) -> None:
    """Whatever the draw and however long the outage (no overflow after hours of it)."""
    ceiling = min(1.0, 0.1 * 2 ** min(failures - 1, 10))
    draws = [next_delay(failures, base=0.1, cap=1.0) for _ in range(200)]
    assert all(ceiling / 2 <= d <= ceiling <= 1.0 for d in draws)
    assert len(set(draws)) > 1  # jittered: not one value for every relay


def test_relays_that_failed_together_do_not_retry_together() -> None:
    relays = [random.Random(seed) for seed in range(10)]
    waits = [next_delay(6, base=0.1, cap=1.0, uniform=r.uniform) for r in relays]
    assert len({round(w, 6) for w in waits}) == len(waits)


@pytest_asyncio.fixture(loop_scope="session")
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/relay.db")
    await migrate(engine)
    yield engine
    await engine.dispose()


async def _add_move(engine: AsyncEngine, version: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(outbox).values(workspace_id="ws-relay", version=version,
                                                 content_hash="ab" * 32,
                                                 created_at=datetime.now(UTC)))


async def test_retries_back_off_with_jitter_until_delivered(engine: AsyncEngine) -> None:
    await _add_move(engine, 1)
    publisher, lowest = FlakyPublisher(failures=3), Lowest()
    relay = OutboxRelay(engine, publisher, interval=60, first_backoff=0.01,
                        max_backoff=0.02, uniform=lowest)
    relay.start()
    try:
        await publisher.until(lambda: len(publisher.delivered) == 1)
    finally:
        await relay.stop()
    assert lowest.ranges == [(0.005, 0.01), (0.01, 0.02), (0.01, 0.02)]
    assert [m.version for m in publisher.delivered] == [1]


async def test_a_poke_delivers_at_once(engine: AsyncEngine) -> None:
    """Neither the sweep interval nor a backoff in progress delays a publish."""
    await _add_move(engine, 1)
    publisher = FlakyPublisher(failures=1)
    relay = OutboxRelay(engine, publisher, interval=60, first_backoff=60, max_backoff=60)
    relay.start()
    try:
        await publisher.until(lambda: not publisher.failures)  # now waiting 30-60 s
        assert not publisher.delivered
        relay.poke()
        await publisher.until(lambda: len(publisher.delivered) == 1)
        await _add_move(engine, 2)  # idle now: the next sweep is a minute away
        relay.poke()
        await publisher.until(lambda: len(publisher.delivered) == 2)
    finally:
        await relay.stop()


class SwallowingPublisher(FlakyPublisher):
    """Swallows the first cancel that reaches it, as redis-py's wait_for can on 3.11."""

    def __init__(self) -> None:
        super().__init__(failures=0)
        self.swallowed = 0

    async def publish(self, move: ProductionMove) -> None:
        self._called.set()
        try:
            await asyncio.sleep(0.2)
        except asyncio.CancelledError:
            if self.swallowed:
                raise
            self.swallowed += 1
        raise ConnectionError("redis is down")


async def test_stop_ends_the_relay_even_when_a_cancel_is_swallowed(engine: AsyncEngine,
                                                                    ) -> None:
    await _add_move(engine, 1)
    publisher = SwallowingPublisher()
    relay = OutboxRelay(engine, publisher, interval=60, first_backoff=0.01, max_backoff=0.01)
    relay.start()
    await asyncio.wait_for(publisher._called.wait(), 2)  # inside publish now
    await asyncio.wait_for(relay.stop(), 5)
    assert publisher.swallowed == 1
