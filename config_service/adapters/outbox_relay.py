"""Delivers committed production moves from the outbox table to the publisher.

Publish commits the version and an outbox row together, so a move is never lost: if Redis
is down the row stays pending and the relay retries (with backoff) until it is delivered,
including after a restart. Several config-service processes may relay at once: rows are
claimed with FOR UPDATE SKIP LOCKED on Postgres, and the Redis script only moves forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.bus import ProductionMove
from agentconfig.metrics import MOVES_DELIVERED, OUTBOX_PENDING, RELAY_FAILURES
from config_service.adapters.notify import Publisher
from config_service.adapters.sql.tables import outbox
from config_service.service.ports import Announcer

log = logging.getLogger(__name__)


class OutboxRelay(Announcer):
    def __init__(self, engine: AsyncEngine, publisher: Publisher, *, interval: float = 1.0,
                 max_backoff: float = 5.0) -> None:
        self._engine = engine
        self._publisher = publisher
        self._interval = interval
        self._max_backoff = max_backoff
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def poke(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._publisher.close()

    async def _run(self) -> None:
        delay = self._interval
        while True:
            self._wake.clear()
            try:
                await self.deliver_pending()
                delay = self._interval
            except Exception as exc:
                RELAY_FAILURES.inc()
                log.warning("outbox delivery failed (%s); retrying in %.1fs", exc, delay)
                delay = min(delay * 2, self._max_backoff)
            with contextlib.suppress(Exception):
                OUTBOX_PENDING.set(await self.pending())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

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
                await self._publisher.publish(ProductionMove(
                    row["workspace_id"], row["version"], row["content_hash"]))
                await conn.execute(update(outbox).where(outbox.c.id == row["id"])
                                   .values(delivered_at=datetime.now(UTC)))
                MOVES_DELIVERED.inc()
            return len(rows)

    async def pending(self) -> int:
        """Moves committed but not yet delivered (by any process)."""
        async with self._engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.delivered_at.is_(None)))).scalar_one())
