"""Versions keep a fingerprint of the request that created them (the RPC and its
parameters), so a request id reused for another request is refused instead of answered with
the earlier version. Nullable: a version written before keeps the old rule (any retry with
its request id gets it).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.add_column(sa.Column("request_fingerprint", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("versions") as batch:
        batch.drop_column("request_fingerprint")
