"""Conversations and executions (live data) recorded off the hot path: the read path only
appends to a bounded in-memory queue; a background task writes batches. If the database is
slow or down, the oldest unwritten turns are dropped (and counted) rather than letting the
read path wait or memory grow."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime_service.service.ports import Recorder, Turn

log = logging.getLogger(__name__)
metadata = MetaData()
TS = DateTime(timezone=True)

conversations = Table(
    "runtime_conversations", metadata,
    Column("conversation_id", String(100), primary_key=True),
    Column("workspace_id", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("started_at", TS, nullable=False),
    Column("last_turn_at", TS, nullable=False),
    Column("turns", Integer, nullable=False),
)

executions = Table(
    "runtime_executions", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("conversation_id", String(100), nullable=False),
    Column("workspace_id", String(64), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("agent_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("draft_revision", BigInteger, nullable=False),
    Column("created_at", TS, nullable=False),
)


class NullRecorder(Recorder):
    def record(self, turn: Turn) -> None:
        return None


class SqlRecorder(Recorder):
    def __init__(self, engine: AsyncEngine, *, batch: int = 500, interval: float = 0.5,
                 capacity: int = 100_000) -> None:
        self._engine = engine
        self._batch = batch
        self._interval = interval
        self._queue: deque[Turn] = deque(maxlen=capacity)
        self._task: asyncio.Task[None] | None = None
        self.dropped = 0
        self.written = 0

    def record(self, turn: Turn) -> None:
        if len(self._queue) == self._queue.maxlen:
            self.dropped += 1
        self._queue.append(turn)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="turn-recorder")

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception as exc:
                log.warning("recording turns failed (%s); will retry", exc)

    async def flush(self) -> None:
        while self._queue:
            batch = [self._queue.popleft() for _ in range(min(self._batch, len(self._queue)))]
            try:
                await self._write(batch)
            except Exception:
                await self._one_by_one(batch)
                continue
            self.written += len(batch)

    async def _one_by_one(self, batch: list[Turn]) -> None:
        """After a failed batch: a turn the database refuses while it is up is dropped (the
        data is at fault, and retrying would block every later turn); if the database is
        down, everything waits for the next flush."""
        for i, turn in enumerate(batch):
            try:
                await self._write([turn])
                self.written += 1
            except Exception as exc:
                if not await self._database_up():
                    self._queue.extendleft(reversed(batch[i:]))
                    raise
                self.dropped += 1
                log.error("dropping a turn the database refused: %s", exc)

    async def _database_up(self) -> bool:
        try:
            async with self._engine.connect() as conn:
                await conn.execute(select(1))
            return True
        except Exception:
            return False

    async def _write(self, batch: list[Turn]) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(executions), [
                {"conversation_id": t.conversation_id, "workspace_id": t.workspace_id,
                 "channel_id": t.channel_id, "source": t.source, "agent_id": t.agent_id,
                 "version": t.version, "content_hash": t.content_hash,
                 "draft_revision": t.draft_revision, "created_at": t.at} for t in batch])
            dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
            for t in batch:
                stmt = dialect.insert(conversations).values(
                    conversation_id=t.conversation_id, workspace_id=t.workspace_id,
                    channel_id=t.channel_id, source=t.source, started_at=t.at,
                    last_turn_at=t.at, turns=1)
                await conn.execute(stmt.on_conflict_do_update(
                    index_elements=["conversation_id"],
                    set_={"last_turn_at": t.at, "turns": conversations.c.turns + 1}))

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self.flush()



