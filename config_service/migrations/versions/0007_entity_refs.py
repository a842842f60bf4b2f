"""Which entity body refers to which entity (issue 11): one row per reference of each
content-addressed body, written with the body and never changed, so "who refers to X" is an
index lookup instead of reading every spec of the workspace. Incremental validation (what a
removal leaves dangling) and the diff's affected agents and squads read it. And the Draft's
and versions' keys sort by code point (see _byte_order), and the Draft's difference from a
version is tracked by key (see _sync_tables).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from agentconfig.references import references

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    refs = op.create_table(
        "entity_refs",
        sa.Column("hash", sa.String(64), primary_key=True),
        sa.Column("ref_kind", sa.String(32), primary_key=True),
        sa.Column("ref_id", ID, primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("entity_id", ID, nullable=False),
    )
    op.create_index("ix_entity_refs_target", "entity_refs", ["ref_kind", "ref_id"])
    _backfill(op.get_bind(), refs)
    _byte_order("C")
    _sync_tables()


def _sync_tables() -> None:
    """The Draft equals version ``draft_sync.version`` except at the keys in
    ``draft_dirty`` (every Draft write marks its key; a publish, rollback or restore that
    leaves the Draft equal to a version clears them). No row: unknown, compare everything."""
    key = sa.String(32).with_variant(sa.String(32, collation="C"), "postgresql")
    entity = ID.with_variant(sa.String(64, collation="C"), "postgresql")
    op.create_table(
        "draft_sync",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "draft_dirty",
        sa.Column("workspace_id", ID, primary_key=True),
        sa.Column("kind", key, primary_key=True),
        sa.Column("entity_id", entity, primary_key=True),
    )


def _byte_order(collation: str) -> None:
    """On Postgres, keys sort by code point in the primary keys too, as snapshot_hash sorts
    them, so the Draft's hash reads its rows in index order instead of sorting them."""
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite compares text bytewise already
    for table in ("draft_entities", "version_entities"):
        op.execute(f'ALTER TABLE {table} ALTER COLUMN kind TYPE varchar(32) COLLATE '
                   f'"{collation}", ALTER COLUMN entity_id TYPE varchar(64) COLLATE '
                   f'"{collation}"')


def _backfill(conn: sa.Connection, refs: sa.Table) -> None:
    blobs = sa.table("entity_blobs", sa.column("hash"), sa.column("kind"),
                     sa.column("entity_id"), sa.column("spec"))
    rows = conn.execute(sa.select(blobs).where(blobs.c.kind.in_(("agent", "squad"))))
    batch: list[dict[str, str]] = []
    for row in rows:
        batch += rows_for(row.hash, row.kind, row.entity_id, json.loads(row.spec))
        if len(batch) >= 5000:
            conn.execute(sa.insert(refs), batch)
            batch = []
    if batch:
        conn.execute(sa.insert(refs), batch)


def rows_for(digest: str, kind: str, entity_id: str, spec: dict[str, object],
             ) -> list[dict[str, str]]:
    targets = {(r.kind, r.entity_id) for r in references(kind, spec)}
    return [{"hash": digest, "ref_kind": k, "ref_id": i, "kind": kind, "entity_id": entity_id}
            for k, i in sorted(targets)]


def downgrade() -> None:
    op.drop_table("draft_dirty")
    op.drop_table("draft_sync")
    _byte_order("default")
    op.drop_index("ix_entity_refs_target", table_name="entity_refs")
    op.drop_table("entity_refs")
