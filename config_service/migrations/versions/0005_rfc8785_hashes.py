"""Content hashes move to RFC 8785 (JSON Canonicalization Scheme): every stored hash is
recomputed, every version keeps its number.

Entity bodies are content-addressed, so a body whose canonical text changed (a whole double
such as 5000.0 is now written 5000) gets a new hash, and every row that names it follows:
Draft entities (their etags keep their revision part), version ranges, Draft backups.
Version hashes are recomputed from their manifests, the outbox follows its version, and a
test run follows the version or Draft snapshot it ran on (a run on a Draft revision that is
no longer the Draft keeps its old hash: nothing compares it any more).

The canonical forms are written out here rather than imported, so this migration means the
same thing whatever agentconfig.canonical becomes later. Downgrade rebuilds the old hashes:
the old form wrote doubles with Python's repr, so each spec goes back through its proto
message to know which numbers were doubles.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import rfc8785
import sqlalchemy as sa
from alembic import op
from google.protobuf import json_format

from agentconfig.kinds import kind_by_name

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

Canon = Callable[[Any], str]
Key = tuple[str, str]  # (kind, entity_id)

blobs = sa.table("entity_blobs", sa.column("hash"), sa.column("kind"), sa.column("entity_id"),
                 sa.column("spec"))
draft = sa.table("draft_entities", sa.column("workspace_id"), sa.column("kind"),
                 sa.column("entity_id"), sa.column("content_hash"), sa.column("etag"))
ranges = sa.table("version_entities", sa.column("workspace_id"), sa.column("kind"),
                  sa.column("entity_id"), sa.column("from_version"), sa.column("to_version"),
                  sa.column("content_hash"))
backups = sa.table("backup_entities", sa.column("content_hash"))
versions = sa.table("versions", sa.column("workspace_id"), sa.column("number"),
                    sa.column("content_hash"))
outbox = sa.table("outbox", sa.column("workspace_id"), sa.column("version"),
                  sa.column("content_hash"))
runs = sa.table("test_runs", sa.column("seq"), sa.column("content_hash"))
renames = sa.table("_rehash_map", sa.column("old"), sa.column("new"))


def rfc8785_text(value: Any) -> str:
    return rfc8785.dumps(value).decode("utf-8")


def legacy_text(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _all(bind: sa.Connection, query: sa.Select[Any]) -> list[Any]:
    return list(bind.execute(query).all())


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _snapshot(canon: Canon, manifest: dict[Key, str]) -> str:
    return _sha(canon(sorted([k, i, h] for (k, i), h in manifest.items())))


def _as_proto_json(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    """Doubles as floats again (RFC 8785 text stores 2.0 as 2)."""
    found = kind_by_name(kind)
    if found is None:
        return spec
    message = json_format.ParseDict(spec, found.message())
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def upgrade() -> None:
    _rehash(op.get_bind(), legacy_text, rfc8785_text, lambda kind, spec: spec)


def downgrade() -> None:
    _rehash(op.get_bind(), rfc8785_text, legacy_text, _as_proto_json)


def _rehash(bind: sa.Connection, old: Canon, new: Canon,
            normalize: Callable[[str, dict[str, Any]], dict[str, Any]]) -> None:
    mapping = _rehash_blobs(bind, new, normalize)
    snapshot_map = _draft_snapshot_map(bind, old, new, mapping)
    if mapping:
        _follow_renames(bind, mapping)
    snapshot_map.update(_rehash_versions(bind, new))
    bind.execute(outbox.update().values(content_hash=sa.select(versions.c.content_hash).where(
        versions.c.workspace_id == outbox.c.workspace_id,
        versions.c.number == outbox.c.version).scalar_subquery()))
    for seq, digest in _all(bind, sa.select(runs.c.seq, runs.c.content_hash)):
        if snapshot_map.get(digest, digest) != digest:
            bind.execute(runs.update().where(runs.c.seq == seq).values(
                content_hash=snapshot_map[digest]))


def _rehash_blobs(bind: sa.Connection, canon: Canon,
                  normalize: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, str]:
    """Old entity hash -> new one, for the bodies whose canonical text changed; the blob
    rows are renamed (or dropped where the new hash is already stored)."""
    mapping: dict[str, str] = {}
    stored: set[str] = set()
    for digest, kind, entity_id, spec in _all(bind, sa.select(
            blobs.c.hash, blobs.c.kind, blobs.c.entity_id, blobs.c.spec)):
        stored.add(digest)
        body = {"id": entity_id, "kind": kind, "spec": normalize(kind, json.loads(spec))}
        renamed = _sha(canon(body))
        if renamed != digest:
            mapping[digest] = renamed
    for digest, renamed in mapping.items():
        if renamed in stored:
            bind.execute(blobs.delete().where(blobs.c.hash == digest))
        else:
            bind.execute(blobs.update().where(blobs.c.hash == digest).values(hash=renamed))
            stored.add(renamed)
    return mapping


def _draft_snapshot_map(bind: sa.Connection, old: Canon, new: Canon,
                        mapping: dict[str, str]) -> dict[str, str]:
    """Each Draft's snapshot hash before -> after, for the test runs made on it."""
    manifests: dict[str, dict[Key, str]] = defaultdict(dict)
    for ws, kind, entity_id, digest in _all(bind, sa.select(
            draft.c.workspace_id, draft.c.kind, draft.c.entity_id, draft.c.content_hash)):
        manifests[ws][(kind, entity_id)] = digest
    return {_snapshot(old, m): _snapshot(new, {k: mapping.get(h, h) for k, h in m.items()})
            for m in manifests.values()}


def _follow_renames(bind: sa.Connection, mapping: dict[str, str]) -> None:
    op.create_table("_rehash_map", sa.Column("old", sa.String(64), primary_key=True),
                    sa.Column("new", sa.String(64), nullable=False))
    bind.execute(renames.insert(), [{"old": o, "new": n} for o, n in mapping.items()])
    lookup = sa.select(renames.c.new)
    for table in (draft, ranges, backups):
        bind.execute(table.update().where(
            table.c.content_hash.in_(sa.select(renames.c.old))).values(
                content_hash=lookup.where(renames.c.old == table.c.content_hash)
                .scalar_subquery()))
    op.drop_table("_rehash_map")
    for ws, kind, entity_id, etag, digest in _all(bind, sa.select(
            draft.c.workspace_id, draft.c.kind, draft.c.entity_id, draft.c.etag,
            draft.c.content_hash)):
        renewed = f"{etag.split('-', 1)[0]}-{digest[:10]}"
        if renewed != etag:
            bind.execute(draft.update().where(
                draft.c.workspace_id == ws, draft.c.kind == kind,
                draft.c.entity_id == entity_id).values(etag=renewed))


def _rehash_versions(bind: sa.Connection, canon: Canon) -> dict[str, str]:
    """Recompute each version's hash from its manifest, walking the version ranges once per
    workspace; returns old version hash -> new."""
    starts: dict[tuple[str, int], list[tuple[Key, str]]] = defaultdict(list)
    ends: dict[tuple[str, int], list[Key]] = defaultdict(list)
    for ws, kind, entity_id, first, end, digest in _all(bind, sa.select(
            ranges.c.workspace_id, ranges.c.kind, ranges.c.entity_id, ranges.c.from_version,
            ranges.c.to_version, ranges.c.content_hash)):
        starts[(ws, first)].append(((kind, entity_id), digest))
        if end is not None:
            ends[(ws, end)].append((kind, entity_id))
    changed: dict[str, str] = {}
    manifests: dict[str, dict[Key, str]] = defaultdict(dict)
    for ws, number, digest in _all(bind, sa.select(
            versions.c.workspace_id, versions.c.number, versions.c.content_hash)
            .order_by(versions.c.workspace_id, versions.c.number)):
        manifest = manifests[ws]
        for key in ends.get((ws, number), []):
            manifest.pop(key, None)
        manifest.update(starts.get((ws, number), []))
        renewed = _snapshot(canon, manifest)
        if renewed != digest:
            changed[digest] = renewed
            bind.execute(versions.update().where(
                versions.c.workspace_id == ws, versions.c.number == number).values(
                    content_hash=renewed))
    return changed
