"""The runtime's own tables (live data: conversations and the turns that answered them), as
its Alembic migrations create them (runtime_service/migrations)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

metadata = MetaData()
TS = DateTime(timezone=True)

conversations = Table(
    "runtime_conversations", metadata,
    Column("workspace_id", String(64), nullable=False),
    Column("conversation_id", String(100), nullable=False),
    Column("channel_id", String(64), nullable=False),
    Column("source", String(16), nullable=False),
    Column("started_at", TS, nullable=False),
    Column("last_turn_at", TS, nullable=False),
    Column("turns", Integer, nullable=False),
    Column("version", Integer, nullable=False, server_default="0"),  # of its first turn
    Column("target_kind", String(16), nullable=False, server_default=""),
    Column("target_id", String(64), nullable=False, server_default=""),
    Column("current_agent_id", String(64), nullable=False, server_default=""),
    PrimaryKeyConstraint("workspace_id", "conversation_id",
                         name="runtime_conversations_pk"),
    Index("runtime_conversations_newest", "workspace_id", "started_at", "conversation_id"),
    Index("runtime_conversations_last_turn", "last_turn_at"),
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
    Column("user_message", Text, nullable=False, server_default=""),
    Column("reply", Text, nullable=False, server_default=""),
    Column("handoff_rule_index", Integer, nullable=False, server_default="-1"),
    Column("matched_prompt_ids", JSON, nullable=False, server_default="[]"),
    Column("tool_calls", JSON, nullable=False, server_default="[]"),  # ToolInvocation JSON
    Column("reason", Integer, nullable=False, server_default="0"),  # rpb.ServeReason
    Column("context", JSON, nullable=True),  # ConversationContext JSON; NULL: none kept
    Index("runtime_executions_conversation", "workspace_id", "conversation_id", "id"),
    Index("runtime_executions_agent", "workspace_id", "agent_id", "conversation_id"),
)
