"""Delivers committed production moves from the outbox table to the publisher.

Publish commits the version and an outbox row together, so a move is never lost: if Redis
is down the row stays pending and the relay retries until it is delivered, including after
a restart. Several config-service processes may relay at once: rows are claimed with FOR
UPDATE SKIP LOCKED on Postgres, and the Redis script only moves forward.

Retries back off exponentially but only up to ``max_backoff`` (1 s), so a move reaches the
runtimes within about a second of Redis being back, and each wait is jittered so that the
relays of several processes that failed together do not retry together. A publish pokes
the relay, which delivers at once, backing off or not.

Delivered rows are kept for ``retention`` seconds (AGENTCONFIG_OUTBOX_RETENTION_SECONDS,
7 days: enough to see what was announced when), then deleted by the relay in small
batches, at most once a minute, so the table grows with the publishes of a week, not of
the workspace's whole life.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from opentelemetry.trace import SpanKind
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig import tracing
from agentconfig.bus import ProductionMove
from agentconfig.metrics import MOVES_DELIVERED, OUTBOX_PENDING, RELAY_FAILURES
from agentconfig.tasks import cancel_and_wait
from config_service.adapters.notice_deltas import with_delta
from config_service.adapters.notify import Publisher
from config_service.adapters.sql.tables import outbox
from config_service.service.ports import Announcer

log = logging.getLogger(__name__)
Uniform = Callable[[float, float], float]  # random.uniform, or a test's stand-in
RETENTION_SECONDS = 7 * 24 * 3600.0
PRUNE_EVERY = 60.0  # seconds between prune passes
PRUNE_BATCH = 500  # rows per delete statement: short transactions, short locks


def next_delay(failures: int, *, base: float, cap: float, uniform: Uniform = random.uniform,
               ) -> float:
    """The wait after ``failures`` failed attempts in a row (1 for the first): doubling from
    ``base`` up to ``cap``, then "equal jitter", a random point in the upper half, so that
    no two relays keep retrying in step and none retries sooner than half its backoff."""
    ceiling = min(cap, base * 2 ** min(max(failures - 1, 0), 32))  # bounded: no overflow
    return uniform(ceiling / 2, ceiling)


class OutboxRelay(Announcer):
    def __init__(self, engine: AsyncEngine, publisher: Publisher, *, interval: float = 1.0,
                 max_backoff: float = 1.0, first_backoff: float = 0.1,
                 uniform: Uniform = random.uniform,
                 retention: float = RETENTION_SECONDS, notice_key: bytes = b"") -> None:
        self._engine = engine
        self._notice_key = notice_key  # signs the small deltas notices carry; none: none
        self._retention = retention
        self._pruned_at = 0.0  # monotonic time of the last prune pass
        self._publisher = publisher
        self._interval = interval  # between sweeps when all is delivered
        self._max_backoff = max_backoff
        self._first_backoff = first_backoff
        self._uniform = uniform
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """The loop also ends at its next turn once stopping (a cancel can be swallowed
        by redis-py: agentconfig/tasks.py)."""
        self._stopping = True
        self._wake.set()
        await cancel_and_wait(self._task)
        await self._publisher.close()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()
            delay = await self._attempt(failures)
            failures = failures + 1 if delay is not None else 0
            with contextlib.suppress(Exception):
                OUTBOX_PENDING.set(await self.pending())
            if delay is None and time.monotonic() - self._pruned_at >= PRUNE_EVERY:
                self._pruned_at = time.monotonic()
                try:
                    await self.prune()
                except Exception as exc:  # the next pass tries again
                    log.warning("outbox pruning failed (%s)", exc)
            wait = self._interval if delay is None else delay
            with contextlib.suppress(TimeoutError):  # a poke (a publish) ends the wait
                await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _attempt(self, failures: int) -> float | None:
        """Deliver what is pending; None when that worked, else how long to wait. The first
        failure of an outage is a warning, the rest are counted (RELAY_FAILURES)."""
        try:
            delivered = await self.deliver_pending()
        except Exception as exc:
            RELAY_FAILURES.inc()
            delay = next_delay(failures + 1, base=self._first_backoff, cap=self._max_backoff,
                               uniform=self._uniform)
            log.log(logging.WARNING if not failures else logging.DEBUG,
                    "outbox delivery failed (%s); retrying in %.2fs", exc, delay)
            return delay
        if failures:
            log.info("outbox delivery back after %d failed attempts (%d delivered)",
                     failures, delivered)
        return None

    async def deliver_pending(self, batch: int = 100) -> int:
        """Deliver what is pending, oldest first; returns how many were delivered."""
        count = 0
        while True:
            delivered = await self._deliver_batch(batch)
            count += delivered
            if delivered < batch:
                return count

    async def _deliver_batch(self, batch: int) -> int:
        async with self._engine.begin() as conn:
            stmt = (select(outbox).where(outbox.c.delivered_at.is_(None))
                    .order_by(outbox.c.id).limit(batch))
            if conn.dialect.name == "postgresql":
                stmt = stmt.with_for_update(skip_locked=True)
            rows = (await conn.execute(stmt)).mappings().all()
            for row in rows:
                move = ProductionMove(row["workspace_id"], row["version"], row["content_hash"])
                # a child of the publish that wrote the row; the notice carries it on
                with tracing.continued("relay.deliver", row["traceparent"],
                                       kind=SpanKind.PRODUCER, attributes={
                                           "agentconfig.workspace_id": move.workspace_id,
                                           "agentconfig.version": move.version}):
                    if self._notice_key:
                        move = await with_delta(conn, move, self._notice_key)
                    move = replace(move, traceparent=tracing.current_traceparent())
                    await self._publisher.publish(move)
                await conn.execute(update(outbox).where(outbox.c.id == row["id"])
                                   .values(delivered_at=datetime.now(UTC)))
                MOVES_DELIVERED.inc()
            return len(rows)

    async def pending(self) -> int:
        """Moves committed but not yet delivered (by any process)."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.delivered_at.is_(None)))).scalar_one())

    async def prune(self, batch: int = PRUNE_BATCH) -> int:
        """Delete delivered rows older than the retention, ``batch`` per transaction;
        returns how many went. Pending rows are never touched, however old."""
        cutoff = datetime.now(UTC) - timedelta(seconds=self._retention)
        total = 0
        while True:
            async with self._engine.begin() as conn:
                ids = select(outbox.c.id).where(
                    outbox.c.delivered_at.is_not(None), outbox.c.delivered_at < cutoff,
                ).order_by(outbox.c.id).limit(batch)
                done = (await conn.execute(delete(outbox).where(
                    outbox.c.id.in_(ids.scalar_subquery())))).rowcount
            total += done
            if done < batch:
                return total
