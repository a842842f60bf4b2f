"""Staged rollouts (live data): one row per rollout with its steps, channels, guards and how
it ended; the outcome counts the runtimes forward, cumulative per reporting process and
version (so a repeated or late report never double-counts); and outbox rows that announce a
rollout's new sequence to the runtimes.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.String(64)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rollouts",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("rollout_id", sa.String(32), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("candidate_version", sa.Integer, nullable=False),
        sa.Column("baseline_version", sa.Integer, nullable=False),
        sa.Column("steps", sa.Text, nullable=False),
        sa.Column("step_index", sa.Integer, nullable=False),
        sa.Column("every_seconds", sa.Integer, nullable=False),
        sa.Column("step_started_at", TS, nullable=False),
        sa.Column("channels", sa.Text, nullable=False),
        sa.Column("guards", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(300), nullable=False),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("ended_at", TS),
        sa.Column("ended_by", sa.String(300), nullable=False),
        sa.Column("end_reason", sa.Text, nullable=False),
        sa.Column("end_figures", sa.Text, nullable=False),
        sa.UniqueConstraint("workspace_id", "sequence", name="uq_rollouts_sequence"),
    )
    op.create_index("ix_rollouts_phase", "rollouts", ["phase"])
    op.create_table(
        "rollout_outcomes",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("rollout_id", sa.String(32), primary_key=True),
        sa.Column("reporter", sa.String(200), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("conversations", sa.BigInteger, nullable=False),
        sa.Column("turns", sa.BigInteger, nullable=False),
        sa.Column("errors", sa.BigInteger, nullable=False),
        sa.Column("escalations", sa.BigInteger, nullable=False),
        sa.Column("negative_feedback", sa.BigInteger, nullable=False),
        sa.Column("latency_ms_total", sa.BigInteger, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("rollout_sequence", sa.BigInteger, nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("rollout_sequence")
    op.drop_table("rollout_outcomes")
    op.drop_index("ix_rollouts_phase", table_name="rollouts")
    op.drop_table("rollouts")
