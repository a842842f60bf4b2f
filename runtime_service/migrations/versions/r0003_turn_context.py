"""A turn keeps the context it ran with (ConversationContext JSON: tags, locale, variables,
channel type...), so that a test case saved from an internal-chat conversation replays it.
Nullable: turns recorded before (and channel turns) have none and read back without one.

Revision ID: r0003
Revises: r0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "r0003"
down_revision = "r0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("runtime_executions", sa.Column("context", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("runtime_executions") as batch:
        batch.drop_column("context")
