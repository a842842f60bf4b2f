"""Recorded conversations read back from the runtime's database (the tables the recorder
writes), and aged out by the retention sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, delete, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.elements import ColumnElement

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.conversation_protos import conversation, turn, turn_from_row
from runtime_service.adapters.tables import conversations as c
from runtime_service.adapters.tables import executions as e
from runtime_service.service.ports import ConversationLog, ConversationQuery

SWEEP_BATCH = 1000  # conversations deleted per transaction


def _filters(query: ConversationQuery) -> list[ColumnElement[bool]]:
    where = [c.c.workspace_id == query.workspace_id]
    if query.channel_id:
        where.append(c.c.channel_id == query.channel_id)
    if query.version:
        where.append(c.c.version == query.version)
    if query.source:
        where.append(c.c.source == query.source)
    if query.agent_id:
        where.append(exists().where(
            e.c.workspace_id == c.c.workspace_id, e.c.conversation_id == c.c.conversation_id,
            e.c.agent_id == query.agent_id))
    if query.after is not None:
        at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=query.after[0])
        where.append(or_(c.c.started_at < at, and_(c.c.started_at == at,
                                                    c.c.conversation_id < query.after[1])))
    return where


class SqlConversationLog(ConversationLog):
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def page(self, query: ConversationQuery) -> list[rpb.Conversation]:
        stmt = (select(c).where(*_filters(query))
                .order_by(c.c.started_at.desc(), c.c.conversation_id.desc())
                .limit(query.limit))
        async with self._engine.connect() as conn:
            return [conversation(row) for row in await conn.execute(stmt)]

    async def get(self, workspace_id: str, conversation_id: str) -> rpb.Conversation | None:
        key = (c.c.workspace_id == workspace_id, c.c.conversation_id == conversation_id)
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(c).where(*key))).first()
            if row is None:
                return None
            turns = await conn.execute(
                select(e).where(e.c.workspace_id == workspace_id,
                                e.c.conversation_id == conversation_id)
                .order_by(e.c.created_at, e.c.id))
            out = conversation(row)
            out.turns.extend(turn(i, turn_from_row(t)) for i, t in enumerate(turns, 1))
            return out

    async def delete_before(self, cutoff: datetime) -> int:
        deleted = 0
        while True:
            async with self._engine.begin() as conn:
                keys = [tuple(k) for k in await conn.execute(
                    select(c.c.workspace_id, c.c.conversation_id)
                    .where(c.c.last_turn_at < cutoff).limit(SWEEP_BATCH))]
                if not keys:
                    return deleted
                await conn.execute(delete(e).where(
                    tuple_(e.c.workspace_id, e.c.conversation_id).in_(keys)))
                await conn.execute(delete(c).where(
                    tuple_(c.c.workspace_id, c.c.conversation_id).in_(keys),
                    c.c.last_turn_at < cutoff))
                deleted += len(keys)
