"""A chat turn keeps the context it ran with (tags, locale, variables, channel type), through
the runtime's database (Postgres and SQLite, after r0003) and its in-memory log, and
GetConversation shows it on the turn: what a test case saved from the conversation replays.
Turns recorded before r0003 read back with no context."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.conversation_log import SqlConversationLog
from runtime_service.adapters.database import MIGRATIONS, migrate
from runtime_service.adapters.memory_log import MemoryConversationLog
from runtime_service.adapters.recorder import SqlRecorder
from runtime_service.service.chat import ChatService, ChatTurn
from runtime_service.service.conversation_reads import get_conversation
from runtime_service.service.ports import ConversationLog, Recorder
from runtime_service.simulator.adapters.responders import DeterministicResponder
from tests.unit.simulator_fakes import FakeMcp
from tests.unit.test_simulator_chat import FakeConfig


def _context() -> rpb.ConversationContext:
    out = rpb.ConversationContext(channel_type="whatsapp", locale="pt-BR", tags=["vip"])
    out.variables.update({"plan": "gold", "seats": 3})
    return out


async def _chat_twice(recorder: Recorder, log: ConversationLog) -> rpb.Conversation:
    chat = ChatService(FakeConfig(), DeterministicResponder(), recorder, mcp=FakeMcp({}))
    for message in ("hello", "and again"):
        await chat.turn(ChatTurn("ws", "squad", "desk", True, 0, message, _context(), "c1"))
    await recorder.flush()
    return await get_conversation(log, "ws", "c1")


def _assert_kept(found: rpb.Conversation) -> None:
    first, second = found.turns
    for turn in (first, second):
        assert (turn.context.channel_type, turn.context.locale, list(turn.context.tags)) == (
            "whatsapp", "pt-BR", ["vip"])
        assert dict(turn.context.variables) == {"plan": "gold", "seats": 3}
        assert turn.context.message == turn.user_message  # as the chat defaulted it
    assert (first.context.turn, second.context.turn) == (0, 2)


async def test_the_database_keeps_a_chat_turns_context(engine: AsyncEngine) -> None:
    await migrate(engine)
    _assert_kept(await _chat_twice(SqlRecorder(engine), SqlConversationLog(engine)))


async def test_the_memory_log_keeps_a_chat_turns_context() -> None:
    log = MemoryConversationLog()
    _assert_kept(await _chat_twice(log, log))


def _upgrade_to(conn: Connection, target: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, target)


async def test_turns_recorded_before_have_no_context(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade_to, "r0002")
        await conn.execute(text(
            "INSERT INTO runtime_executions (conversation_id, workspace_id, channel_id, "
            "source, agent_id, version, content_hash, draft_revision, created_at, "
            "user_message) VALUES ('old', 'ws', '', 'chat', 'support', 0, :h, 1, :at, 'hi')"),
            {"h": "h" * 64, "at": datetime(2026, 11, 1, tzinfo=UTC)})
        await conn.execute(text(
            "INSERT INTO runtime_conversations (workspace_id, conversation_id, channel_id, "
            "source, started_at, last_turn_at, turns, target_kind, target_id) VALUES "
            "('ws', 'old', '', 'chat', :at, :at, 1, 'agent', 'support')"),
            {"at": datetime(2026, 11, 1, tzinfo=UTC)})
    await migrate(engine)
    old = await get_conversation(SqlConversationLog(engine), "ws", "old")
    assert old.turns[0].user_message == "hi" and not old.turns[0].HasField("context")
