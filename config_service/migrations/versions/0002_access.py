"""Access control: API keys (hashed), the audit log, and the two-person-rule setting.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(64)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("two_person_rule", sa.Boolean, nullable=False,
                                   server_default=sa.false()))
    op.create_table(
        "api_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("expire_at", TS),
        sa.Column("revoked_at", TS),
        sa.Column("channel_ids", sa.Text, nullable=False),
    )
    op.create_index("ix_api_keys_ws", "api_keys", ["workspace_id", "created_at"])
    op.create_table(
        "audit_events",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer, "sqlite"),
                  primary_key=True, autoincrement=True),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(300), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(300), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("peer", sa.String(200), nullable=False),
    )
    op.create_index("ix_audit_events_ws", "audit_events", ["workspace_id", "event_id"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("api_keys")
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("two_person_rule")
