"""Canonical serialization and content hashes.

Anyone holding a snapshot can recompute its hash, so the rules are spelled out in
docs/api.md and kept deliberately simple:

* an entity's canonical form is the JSON object ``{"id", "kind", "spec"}`` where ``spec`` is
  the proto3 JSON mapping of the kind's message with original field names and default values
  omitted; keys sorted, no whitespace, UTF-8, floats in shortest round-trip form;
* an entity hash is the hex SHA-256 of that text;
* a snapshot hash is the hex SHA-256 of the canonical JSON list of ``[kind, id, entity_hash]``
  sorted by kind then id, so a version's hash follows from its manifest without its bodies.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

Spec = Mapping[str, Any]


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entity_body(kind: str, entity_id: str, spec: Spec) -> str:
    return canonical_json({"id": entity_id, "kind": kind, "spec": spec})


def entity_hash(kind: str, entity_id: str, spec: Spec) -> str:
    return _sha256(entity_body(kind, entity_id, spec))


def snapshot_hash(manifest: Iterable[tuple[str, str, str]]) -> str:
    """Hash of a manifest of (kind, id, entity_hash) triples, in any order."""
    rows = sorted([kind, entity_id, digest] for kind, entity_id, digest in manifest)
    return _sha256(canonical_json(rows))
