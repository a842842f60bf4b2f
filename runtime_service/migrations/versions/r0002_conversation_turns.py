"""Conversations readable over gRPC: a conversation is keyed by (workspace, id) (two
workspaces' gateways may pick the same id), knows the version it started on, its target and
current agent; a turn keeps the user's message, the reply, the hand-off rule, the matched
conditional prompts, the tool calls (JSON) and why its version served it. Indexes for the
newest-first listing, the agent filter and the retention sweep.

Rows written before keep reading as they did: a conversation's version and current agent
are taken from its first and last recorded turns.

Revision ID: r0002
Revises: r0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "r0002"
down_revision = "r0001"
branch_labels = None
depends_on = None
TS = sa.DateTime(timezone=True)
OLD_COLUMNS = "workspace_id, conversation_id, channel_id, source, started_at, last_turn_at, turns"
FIRST_TURN = """(SELECT e.{column} FROM runtime_executions e
    WHERE e.workspace_id = c.workspace_id AND e.conversation_id = c.conversation_id
    ORDER BY e.id {order} LIMIT 1)"""


def _conversations(name: str) -> None:
    op.create_table(
        name,
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("conversation_id", sa.String(100), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("last_turn_at", TS, nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("version", sa.Integer, nullable=False, server_default="0"),
        sa.Column("target_kind", sa.String(16), nullable=False, server_default=""),
        sa.Column("target_id", sa.String(64), nullable=False, server_default=""),
        sa.Column("current_agent_id", sa.String(64), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("workspace_id", "conversation_id",
                                name="runtime_conversations_pk"),
    )


def upgrade() -> None:
    _conversations("runtime_conversations_new")
    first = FIRST_TURN.format(column="version", order="ASC")
    last = FIRST_TURN.format(column="agent_id", order="DESC")
    op.execute(f"INSERT INTO runtime_conversations_new ({OLD_COLUMNS}, version, "
               f"current_agent_id) SELECT {OLD_COLUMNS}, COALESCE({first}, 0), "
               f"COALESCE({last}, '') FROM runtime_conversations c")
    op.drop_table("runtime_conversations")
    op.rename_table("runtime_conversations_new", "runtime_conversations")
    op.create_index("runtime_conversations_newest", "runtime_conversations",
                    ["workspace_id", "started_at", "conversation_id"])
    op.create_index("runtime_conversations_last_turn", "runtime_conversations",
                    ["last_turn_at"])
    for column in (
            sa.Column("user_message", sa.Text, nullable=False, server_default=""),
            sa.Column("reply", sa.Text, nullable=False, server_default=""),
            sa.Column("handoff_rule_index", sa.Integer, nullable=False, server_default="-1"),
            sa.Column("matched_prompt_ids", sa.JSON, nullable=False, server_default="[]"),
            sa.Column("tool_calls", sa.JSON, nullable=False, server_default="[]"),
            sa.Column("reason", sa.Integer, nullable=False, server_default="0")):
        op.add_column("runtime_executions", column)
    op.create_index("runtime_executions_conversation", "runtime_executions",
                    ["workspace_id", "conversation_id", "id"])
    op.create_index("runtime_executions_agent", "runtime_executions",
                    ["workspace_id", "agent_id", "conversation_id"])


def downgrade() -> None:
    op.drop_index("runtime_executions_agent", "runtime_executions")
    op.drop_index("runtime_executions_conversation", "runtime_executions")
    with op.batch_alter_table("runtime_executions") as batch:
        for name in ("reason", "tool_calls", "matched_prompt_ids", "handoff_rule_index",
                     "reply", "user_message"):
            batch.drop_column(name)
    op.create_table(
        "runtime_conversations_old",
        sa.Column("conversation_id", sa.String(100), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False),
        sa.Column("channel_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("last_turn_at", TS, nullable=False),
        sa.Column("turns", sa.Integer, nullable=False),
    )
    # one row per id, as the old key allows: the first workspace's
    op.execute(f"INSERT INTO runtime_conversations_old ({OLD_COLUMNS}) SELECT {OLD_COLUMNS} "
               "FROM runtime_conversations c WHERE NOT EXISTS (SELECT 1 FROM "
               "runtime_conversations d WHERE d.conversation_id = c.conversation_id "
               "AND d.workspace_id < c.workspace_id)")
    op.drop_table("runtime_conversations")
    op.rename_table("runtime_conversations_old", "runtime_conversations")
