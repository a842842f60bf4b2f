"""Initial schema: workspaces, the Draft, content-addressed entity bodies, versions with
entity revision ranges, the publish outbox, Draft backups and channels.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", ID, primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("draft_revision", sa.BigInteger, nullable=False),
        sa.Column("production_version", sa.Integer, nullable=False),
        sa.Column("latest_version", sa.Integer, nullable=False),
        sa.Column("base_version", sa.Integer, nullable=False),
        sa.Column("draft_updated_at", TS),
        sa.Column("draft_updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "entity_blobs",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("entity_id", ID, nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
    )
    op.create_table(
        "draft_entities",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("entity_id", ID, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "versions",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("number", sa.Integer, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("restored_from", sa.Integer, nullable=False),
        sa.Column("draft_revision", sa.BigInteger, nullable=False),
        sa.Column("entity_count", sa.Integer, nullable=False),
        sa.Column("changed_count", sa.Integer, nullable=False),
        sa.Column("request_id", sa.String(100)),
        sa.Column("previous_version", sa.Integer, nullable=False),
        sa.UniqueConstraint("workspace_id", "request_id", name="uq_versions_request"),
    )
    op.create_table(
        "version_entities",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("entity_id", ID, primary_key=True),
        sa.Column("from_version", sa.Integer, primary_key=True),
        sa.Column("to_version", sa.Integer),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_index("ix_version_entities_range", "version_entities",
                    ["workspace_id", "from_version", "to_version"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True,
                  autoincrement=True),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("delivered_at", TS),
    )
    op.create_index("ix_outbox_pending", "outbox", ["delivered_at", "id"])
    op.create_table(
        "draft_backups",
        sa.Column("backup_id", sa.String(32), primary_key=True),
        sa.Column("workspace_id", ID, nullable=False),
        sa.Column("draft_revision", sa.BigInteger, nullable=False),
        sa.Column("entity_count", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
    )
    op.create_index("ix_draft_backups_ws", "draft_backups", ["workspace_id", "created_at"])
    op.create_table(
        "backup_entities",
        sa.Column("backup_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(32), primary_key=True),
        sa.Column("entity_id", ID, primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
    )
    op.create_table(
        "channels",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("channel_id", ID, primary_key=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("target_kind", sa.String(32), nullable=False),
        sa.Column("target_id", ID, nullable=False),
        sa.Column("etag", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    for table in ("channels", "backup_entities", "draft_backups", "outbox",
                  "version_entities", "versions", "draft_entities", "entity_blobs",
                  "workspaces"):
        op.drop_table(table)
