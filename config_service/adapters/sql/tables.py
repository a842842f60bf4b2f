"""Table definitions the repository queries. The schema itself is created by the Alembic
migrations, never by ``metadata.create_all`` (a test checks the two agree).

Versions share entity bodies through ``entity_blobs`` (content-addressed), and
``version_entities`` stores each entity revision once with the range of versions it belongs
to [from_version, to_version), so a publish writes rows only for what changed.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()
ID = String(64)
TS = DateTime(timezone=True)
# keys that sort by code point on Postgres too (migration 0007), as snapshot_hash sorts them
KIND_C = String(32).with_variant(String(32, collation="C"), "postgresql")
ID_C = ID.with_variant(String(64, collation="C"), "postgresql")

workspaces = Table(
    "workspaces", metadata,
    Column("id", ID, primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("draft_revision", BigInteger, nullable=False),
    Column("production_version", Integer, nullable=False),
    Column("latest_version", Integer, nullable=False),
    Column("base_version", Integer, nullable=False),
    Column("draft_updated_at", TS),
    Column("draft_updated_by", String(200), nullable=False),
    Column("two_person_rule", Boolean, nullable=False, server_default=false()),
    Column("live_tool_ids", Text, nullable=False, server_default="[]"),  # JSON list
    Column("require_passing_tests", Boolean, nullable=False, server_default=false()),
)

entity_blobs = Table(
    "entity_blobs", metadata,
    Column("hash", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("entity_id", ID, nullable=False),
    Column("spec", Text, nullable=False),
)

# who refers to whom, per body (migration 0007): written with the body, never changed
entity_refs = Table(
    "entity_refs", metadata,
    Column("hash", String(64), primary_key=True),
    Column("ref_kind", String(32), primary_key=True),
    Column("ref_id", ID, primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("entity_id", ID, nullable=False),
    Index("ix_entity_refs_target", "ref_kind", "ref_id"),
)

draft_entities = Table(
    "draft_entities", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("kind", KIND_C, primary_key=True),
    Column("entity_id", ID_C, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("etag", String(64), nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(200), nullable=False),
)

# the Draft equals version draft_sync.version except at draft_dirty's keys (migration 0007)
draft_sync = Table(
    "draft_sync", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("version", Integer, nullable=False),
)

draft_dirty = Table(
    "draft_dirty", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("kind", KIND_C, primary_key=True),
    Column("entity_id", ID_C, primary_key=True),
)

versions = Table(
    "versions", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("number", Integer, primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("author", String(200), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("restored_from", Integer, nullable=False),
    Column("draft_revision", BigInteger, nullable=False),
    Column("entity_count", Integer, nullable=False),
    Column("changed_count", Integer, nullable=False),
    Column("request_id", String(100)),
    Column("previous_version", Integer, nullable=False),
    Column("request_fingerprint", String(64)),
    UniqueConstraint("workspace_id", "request_id", name="uq_versions_request"),
)

version_entities = Table(
    "version_entities", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("kind", KIND_C, primary_key=True),
    Column("entity_id", ID_C, primary_key=True),
    Column("from_version", Integer, primary_key=True),
    Column("to_version", Integer),
    Column("content_hash", String(64), nullable=False),
    Index("ix_version_entities_range", "workspace_id", "from_version", "to_version"),
)

outbox = Table(
    "outbox", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("workspace_id", ID, nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("delivered_at", TS),
    # > 0: this row announces that rollout sequence (the version is Production's then)
    Column("rollout_sequence", BigInteger, nullable=False, server_default="0"),
    # the publish's trace context (W3C traceparent; empty: not traced), for the relay
    Column("traceparent", String(64), nullable=False, server_default=""),
    Index("ix_outbox_pending", "delivered_at", "id"),
)

draft_backups = Table(
    "draft_backups", metadata,
    Column("backup_id", String(32), primary_key=True),
    Column("workspace_id", ID, nullable=False),
    Column("draft_revision", BigInteger, nullable=False),
    Column("entity_count", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("reason", String(200), nullable=False),
    Index("ix_draft_backups_ws", "workspace_id", "created_at"),
)

backup_entities = Table(
    "backup_entities", metadata,
    Column("backup_id", String(32), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("entity_id", ID, primary_key=True),
    Column("content_hash", String(64), nullable=False),
)

channels = Table(
    "channels", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("channel_id", ID, primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("type", String(32), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target_id", ID, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
)

api_keys = Table(
    "api_keys", metadata,
    Column("key_id", String(32), primary_key=True),
    Column("workspace_id", ID, nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("secret_sha256", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("expire_at", TS),
    Column("revoked_at", TS),
    Column("channel_ids", Text, nullable=False),
    Index("ix_api_keys_ws", "workspace_id", "created_at"),
)

audit_events = Table(
    "audit_events", metadata,
    Column("event_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("workspace_id", ID, nullable=False),
    Column("at", TS, nullable=False),
    Column("actor", String(300), nullable=False),
    Column("action", String(64), nullable=False),
    Column("target", String(300), nullable=False),
    Column("details", Text, nullable=False),
    Column("peer", String(200), nullable=False),
    Index("ix_audit_events_ws", "workspace_id", "event_id"),
)

# test cases and runs (live data; migration 0004 says why runs are split in two tables)
test_cases = Table(
    "test_cases", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("test_case_id", ID, primary_key=True),
    Column("display_name", String(200), nullable=False),
    Column("target_kind", String(32), nullable=False),
    Column("target_id", ID, nullable=False),
    Column("body", Text, nullable=False),
    Column("etag", String(64), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("updated_at", TS, nullable=False),
    Column("updated_by", String(300), nullable=False),
)

test_runs = Table(
    "test_runs", metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
           autoincrement=True),
    Column("workspace_id", ID, nullable=False),
    Column("test_run_id", String(32), nullable=False),
    Column("source", String(16), nullable=False),
    Column("version", Integer, nullable=False),
    Column("draft_revision", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("passed_count", Integer, nullable=False),
    Column("failed_count", Integer, nullable=False),
    Column("created_at", TS, nullable=False),
    Column("created_by", String(300), nullable=False),
    UniqueConstraint("workspace_id", "test_run_id", name="uq_test_runs_id"),
    Index("ix_test_runs_ws", "workspace_id", "seq"),
    Index("ix_test_runs_revision", "workspace_id", "source", "draft_revision"),
)

test_run_cases = Table(
    "test_run_cases", metadata,
    Column("run_seq", BigInteger, primary_key=True),
    Column("test_case_id", ID, primary_key=True),
    Column("position", Integer, nullable=False),
    Column("test_case_etag", String(64), nullable=False),
    Column("passed", Boolean, nullable=False),
    Column("error", Text, nullable=False),
    Column("turns", Text, nullable=False),  # JSON: TurnResult list, proto3 JSON mapping
)

# staged rollouts and the outcome counts runtimes forward (live data; see migration 0006)
rollouts = Table(
    "rollouts", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("rollout_id", String(32), primary_key=True),
    Column("sequence", BigInteger, nullable=False),
    Column("candidate_version", Integer, nullable=False),
    Column("baseline_version", Integer, nullable=False),
    Column("steps", Text, nullable=False),  # JSON list of basis points
    Column("step_index", Integer, nullable=False),
    Column("every_seconds", Integer, nullable=False),
    Column("step_started_at", TS, nullable=False),
    Column("channels", Text, nullable=False),  # JSON list; empty: every channel
    Column("guards", Text, nullable=False),  # JSON list of guard texts
    Column("created_at", TS, nullable=False),
    Column("created_by", String(300), nullable=False),
    Column("phase", String(16), nullable=False),
    Column("ended_at", TS),
    Column("ended_by", String(300), nullable=False),
    Column("end_reason", Text, nullable=False),
    Column("end_figures", Text, nullable=False),  # JSON object
    UniqueConstraint("workspace_id", "sequence", name="uq_rollouts_sequence"),
    Index("ix_rollouts_phase", "phase"),
)

rollout_outcomes = Table(
    "rollout_outcomes", metadata,
    Column("workspace_id", ID, primary_key=True),
    Column("rollout_id", String(32), primary_key=True),
    Column("reporter", String(200), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("conversations", BigInteger, nullable=False),
    Column("turns", BigInteger, nullable=False),
    Column("errors", BigInteger, nullable=False),
    Column("escalations", BigInteger, nullable=False),
    Column("negative_feedback", BigInteger, nullable=False),
    Column("latency_ms_total", BigInteger, nullable=False),
    Column("updated_at", TS, nullable=False),
)

# scheduled publishes: the frozen content is a manifest of entity_blobs (migration 0008)
schedules = Table(
    "schedules", metadata,
    Column("schedule_id", String(32), primary_key=True),
    Column("workspace_id", ID, nullable=False),
    Column("run_at", TS, nullable=False),
    Column("state", String(16), nullable=False),
    Column("reviewed_revision", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("entity_count", Integer, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_by", String(300), nullable=False),
    Column("created_at", TS, nullable=False),
    Column("rollout", Text, nullable=False),  # JSON object, or "" for none
    Column("finished_at", TS),
    Column("result_version", Integer, nullable=False),
    Column("rollout_id", String(32), nullable=False),
    Column("outcome_reason", String(64), nullable=False),
    Column("outcome", Text, nullable=False),
    Index("ix_schedules_due", "state", "run_at"),
    Index("ix_schedules_ws", "workspace_id", "created_at"),
)

schedule_entities = Table(
    "schedule_entities", metadata,
    Column("schedule_id", String(32), primary_key=True),
    Column("kind", String(32), primary_key=True),
    Column("entity_id", ID, primary_key=True),
    Column("content_hash", String(64), nullable=False),
)
