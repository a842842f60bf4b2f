"""Conversations and executions (live data) recorded off the hot path: the read path only
appends to a bounded in-memory queue; a background task writes batches. If the database is
slow or down, the oldest unwritten turns are dropped (and counted) rather than letting the
read path wait or memory grow."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

from google.protobuf import json_format
from sqlalchemy import case, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from agentconfig.tasks import cancel_and_wait
from runtime_service.adapters.tables import conversations, executions, metadata
from runtime_service.service.ports import MAX_TURN_TEXT, Recorder, Turn

__all__ = ["NullRecorder", "SqlRecorder", "conversations", "executions", "metadata"]
log = logging.getLogger(__name__)
def clean(text: str) -> str:
    """Bounded, and without NUL (which Postgres refuses in text)."""
    return text[:MAX_TURN_TEXT].replace("\x00", "\ufffd")


def execution_row(t: Turn) -> dict[str, object]:
    return {"conversation_id": t.conversation_id, "workspace_id": t.workspace_id,
            "channel_id": t.channel_id, "source": t.source, "agent_id": t.agent_id,
            "version": t.version, "content_hash": t.content_hash,
            "draft_revision": t.draft_revision, "created_at": t.at,
            "user_message": clean(t.user_message), "reply": clean(t.reply),
            "handoff_rule_index": t.handoff_rule_index,
            "matched_prompt_ids": list(t.matched_conditional_prompt_ids),
            "tool_calls": [json_format.MessageToDict(c, preserving_proto_field_name=True)
                           for c in t.tool_calls],
            "reason": t.reason, "context": _context(t)}


def _context(t: Turn) -> dict[str, object] | None:
    """The turn's context as JSON (None: none kept), its message bounded like the turn's."""
    if t.context is None:
        return None
    found = json_format.MessageToDict(t.context, preserving_proto_field_name=True)
    if "message" in found:
        found["message"] = clean(t.context.message)
    return found


async def upsert_conversation(conn: AsyncConnection, t: Turn) -> None:
    """One more turn of the conversation: created by its first turn (which names the
    version it started on); a turn recorded late (another replica's batch) does not move
    its times or current agent back."""
    postgres = conn.dialect.name == "postgresql"
    stmt = (postgresql if postgres else sqlite).insert(conversations).values(
        workspace_id=t.workspace_id, conversation_id=t.conversation_id,
        channel_id=t.channel_id, source=t.source, started_at=t.at, last_turn_at=t.at,
        turns=1, version=t.version, target_kind=t.target_kind, target_id=t.target_id,
        current_agent_id=t.current_agent_id or t.agent_id)
    c, new = conversations.c, stmt.excluded
    later = new.last_turn_at >= c.last_turn_at
    greatest, least = (func.greatest, func.least) if postgres else (func.max, func.min)
    await conn.execute(stmt.on_conflict_do_update(
        index_elements=["workspace_id", "conversation_id"],
        set_={"turns": c.turns + 1,
              "started_at": least(c.started_at, new.started_at),
              "last_turn_at": greatest(c.last_turn_at, new.last_turn_at),
              "current_agent_id": case((later, new.current_agent_id),
                                       else_=c.current_agent_id)}))


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
            await conn.execute(insert(executions), [execution_row(t) for t in batch])
            for t in batch:
                await upsert_conversation(conn, t)

    async def close(self) -> None:
        await cancel_and_wait(self._task)
        with contextlib.suppress(Exception):
            await self.flush()



