"""Turns are recorded off the read path in batches; a turn the database refuses is dropped
(and counted) instead of blocking every later turn behind it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from runtime_service.adapters.database import migrate
from runtime_service.adapters.recorder import SqlRecorder, executions
from runtime_service.service.ports import Turn

pytestmark = [pytest.mark.postgres]


def _turn(ws: str, conversation: str) -> Turn:
    return Turn(conversation, ws, "web", "channel", "support", 1, "h" * 64, 0,
                datetime.now(UTC))


async def test_a_refused_turn_does_not_block_the_others(pg_engine: AsyncEngine,
                                                        ws_id: str) -> None:
    await migrate(pg_engine)
    recorder = SqlRecorder(pg_engine, batch=1)
    recorder.record(_turn(ws_id, "bad\x00conversation"))  # Postgres refuses NUL in text
    recorder.record(_turn(ws_id, f"good-{uuid.uuid4().hex[:8]}"))
    await recorder.flush()
    assert (recorder.dropped, recorder.written) == (1, 1)
    async with pg_engine.connect() as conn:
        count = (await conn.execute(select(func.count()).select_from(executions)
                                    .where(executions.c.workspace_id == ws_id))).scalar_one()
    assert count == 1
