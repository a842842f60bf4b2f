"""Test cases and test runs (live data), and the workspace settings of the internal chat's
real tool calls (live_tool_ids) and of the publish gate (require_passing_tests).

A case is one row; its turns, mocks and expectations are one JSON document (``body``),
read and written whole, with a content etag. A run is a summary row (``test_runs``: target,
counts, author; what ListTestRuns shows) plus one row per case result
(``test_run_cases``): the publish gate asks "which cases passed, as they are now, on this
revision" and reads only the small columns (id, etag, passed) of those rows, never the
per-turn traces, which stay JSON in ``turns`` because nothing queries inside them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(64)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("live_tool_ids", sa.Text, nullable=False,
                                   server_default="[]"))
        batch.add_column(sa.Column("require_passing_tests", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "test_cases",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("test_case_id", ID, primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(300), nullable=False),
    )
    op.create_table(
        "test_runs",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("test_run_id", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("draft_revision", sa.BigInteger, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("passed_count", sa.Integer, nullable=False),
        sa.Column("failed_count", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(300), nullable=False),
        sa.UniqueConstraint("workspace_id", "test_run_id", name="uq_test_runs_id"),
    )
    op.create_index("ix_test_runs_ws", "test_runs", ["workspace_id", "seq"])
    op.create_index("ix_test_runs_revision", "test_runs",
                    ["workspace_id", "source", "draft_revision"])
    op.create_table(
        "test_run_cases",
        sa.Column("run_seq", sa.BigInteger, primary_key=True),
        sa.Column("test_case_id", ID, primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("test_case_etag", sa.String(64), nullable=False),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("turns", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("test_run_cases")
    op.drop_table("test_runs")
    op.drop_table("test_cases")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("require_passing_tests")
        batch.drop_column("live_tool_ids")
