"""Issue 9, conversations readable, on Postgres and SQLite: the runtime's migrations create
the tables its recorder and reader use (and conversations recorded before r0002 read as
they did); turns recorded in batches read back with everything they showed, newest first,
filtered and paged; the retention sweep deletes old conversations with their turns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from google.protobuf import struct_pb2
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.conversation_log import SqlConversationLog
from runtime_service.adapters.database import MIGRATIONS, migrate
from runtime_service.adapters.recorder import SqlRecorder
from runtime_service.adapters.tables import metadata
from runtime_service.service.conversation_reads import (
    ListRequest,
    get_conversation,
    list_conversations,
)
from runtime_service.service.ports import Turn

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _upgrade_to(conn: Connection, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, target)


def _differences(conn: Connection) -> list[Any]:
    context = MigrationContext.configure(conn, opts={
        "compare_type": True,
        "include_name": lambda name, kind, _: kind != "table" or name in metadata.tables})
    return list(compare_metadata(context, metadata))


async def test_schema_and_rows_from_before(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "r0001")
        for ws, agent, version in (("ws-a", "support", 1), ("ws-a", "billing", 2),
                                   ("ws-b", "sales", 3)):
            await conn.execute(text(
                "INSERT INTO runtime_executions (conversation_id, workspace_id, channel_id, "
                "source, agent_id, version, content_hash, draft_revision, created_at) VALUES "
                "(:c, :ws, 'web', 'channel', :agent, :v, :h, 0, :at)"),
                {"c": f"old-{ws}", "ws": ws, "agent": agent, "v": version, "h": "h" * 64,
                 "at": T0})
        await conn.execute(text(
            "INSERT INTO runtime_conversations (conversation_id, workspace_id, channel_id, "
            "source, started_at, last_turn_at, turns) VALUES "
            "('old-ws-a', 'ws-a', 'web', 'channel', :at, :at, 2), "
            "('old-ws-b', 'ws-b', 'web', 'channel', :at, :at, 1)"), {"at": T0})
    await migrate(engine)
    async with engine.connect() as conn:
        assert await conn.run_sync(_differences) == []
    log = SqlConversationLog(engine)
    old = await get_conversation(log, "ws-a", "old-ws-a")
    assert (old.version, old.current_agent_id, old.turn_count) == (1, "billing", 2)
    assert [(t.index, t.agent_id, t.handoff_rule_index) for t in old.turns] == [
        (1, "support", -1), (2, "billing", -1)]


def _turn(ws: str, cid: str, minute: int, **kw: Any) -> Turn:
    fields: dict[str, Any] = {"channel_id": "web", "source": "channel", "agent_id": "support",
                              "version": 1} | kw
    return Turn(cid, ws, fields.pop("channel_id"), fields.pop("source"),
                fields.pop("agent_id"), fields.pop("version"), "h" * 64, 0,
                T0 + timedelta(minutes=minute), **fields)


async def test_recorded_turns_read_back(engine: AsyncEngine) -> None:
    await migrate(engine)
    recorder, log = SqlRecorder(engine), SqlConversationLog(engine)
    arguments = struct_pb2.Struct()
    arguments.update({"city": "Lisbon"})
    call = rpb.ToolInvocation(call=rpb.ToolCall(call_id="1", tool="weather",
                                                arguments=arguments),
                              outcome=rpb.TOOL_OUTCOME_MOCKED, agent_id="support")
    for i in range(5):
        recorder.record(_turn("ws-a", f"c{i}", i, version=1 + i % 2,
                              channel_id="web" if i % 2 else "wa"))
    recorder.record(_turn("ws-a", "c2", 10, agent_id="billing", user_message="an invoice\x00",
                          reply="", handoff_rule_index=0,
                          matched_conditional_prompt_ids=("vip", "pt"), tool_calls=(call,),
                          current_agent_id="billing", reason=rpb.SERVE_REASON_PINNED))
    recorder.record(_turn("ws-a", "c2", 8, agent_id="support"))  # another replica's, late
    recorder.record(_turn("ws-b", "c2", 0))  # the same id in another workspace
    recorder.record(_turn("ws-a", "chat", 20, source="chat", channel_id="", version=0,
                          target_kind="squad", target_id="desk", reply="Hello!"))
    await recorder.flush()
    assert recorder.dropped == 0

    found = await get_conversation(log, "ws-a", "c2")
    assert (found.turn_count, found.current_agent_id, found.version) == (3, "billing", 1)
    assert found.last_turn_time.ToDatetime(UTC) == T0 + timedelta(minutes=10)
    last = found.turns[-1]
    assert (last.index, last.agent_id, last.user_message, last.handoff_rule_index) == (
        3, "billing", "an invoice\ufffd", 0)
    assert list(last.matched_conditional_prompt_ids) == ["vip", "pt"]
    assert last.tool_calls[0] == call and last.served_from.reason == rpb.SERVE_REASON_PINNED
    assert (await get_conversation(log, "ws-b", "c2")).turn_count == 1
    chat = await get_conversation(log, "ws-a", "chat")
    assert (chat.source, chat.target_id, chat.turns[0].reply) == (
        rpb.CONVERSATION_SOURCE_CHAT, "desk", "Hello!")
    assert chat.turns[0].served_from.reason == rpb.SERVE_REASON_CHAT

    async def ids(**kw: Any) -> list[str]:
        out, token = [], ""
        while True:
            page, token = await list_conversations(log, ListRequest(
                "ws-a", page_size=2, page_token=token, **kw))
            out += [c.conversation_id for c in page]
            if not token:
                return out

    assert await ids() == ["chat", "c4", "c3", "c2", "c1", "c0"]
    assert await ids(channel_id="wa", version=1) == ["c4", "c2", "c0"]
    assert await ids(agent_id="billing") == ["c2"]
    assert await ids(source="chat") == ["chat"]

    assert await log.delete_before(T0 + timedelta(minutes=9)) == 5  # c0 c1 c3 c4, ws-b c2
    assert await ids() == ["chat", "c2"]
    assert (await get_conversation(log, "ws-a", "c2")).turn_count == 3
    async with engine.connect() as conn:
        left = (await conn.execute(text(
            "SELECT count(*) FROM runtime_executions WHERE workspace_id = 'ws-a'"))).scalar()
    assert left == 4  # c2's three turns and the chat's one
