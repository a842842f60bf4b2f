"""Scheduled publishes: one row per schedule (its time, state and outcome) and its frozen
content as a manifest of entity bodies (entity_blobs), like a Draft backup. The due index
serves the runners' "pending and due" scan.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.String(64)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "schedules",
        sa.Column("schedule_id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("run_at", TS, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reviewed_revision", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("entity_count", sa.Integer, nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(300), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("rollout", sa.Text, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("result_version", sa.Integer, nullable=False),
        sa.Column("rollout_id", sa.String(32), nullable=False),
        sa.Column("outcome_reason", sa.String(64), nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),
    )
    op.create_index("ix_schedules_due", "schedules", ["state", "run_at"])
    op.create_index("ix_schedules_ws", "schedules", ["workspace_id", "created_at"])
    op.create_table(
        "schedule_entities",
        sa.Column("schedule_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("entity_id", ID, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("schedule_entities")
    op.drop_index("ix_schedules_ws", table_name="schedules")
    op.drop_index("ix_schedules_due", table_name="schedules")
    op.drop_table("schedules")
