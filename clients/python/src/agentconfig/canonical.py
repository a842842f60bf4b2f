"""Canonical serialization and content hashes.

Anyone holding a snapshot can recompute its hash, so the form is a published standard,
RFC 8785 (JSON Canonicalization Scheme), and the rules are spelled out in docs/api.md:

* an entity's canonical form is the JSON object ``{"id", "kind", "spec"}`` where ``spec`` is
  the proto3 JSON mapping of the kind's message with original field names and default values
  omitted, serialized by RFC 8785;
* an entity hash is the hex SHA-256 of that text;
* a snapshot hash is the hex SHA-256 of the RFC 8785 text of the list of
  ``[kind, id, entity_hash]`` sorted by kind then id, so a version's hash follows from its
  manifest without its bodies.

``canonical_json`` takes a fast path through the C JSON encoder, which writes what RFC 8785
writes whenever no float needs ECMAScript's exponent rules and no key needs UTF-16 ordering;
anything else goes to the ``rfc8785`` package. tests/unit/test_canonical.py checks the two
agree on generated values, so the fast path can never drift from the standard.

``stable_json`` is for what is stored or fingerprinted but never published as a hash (audit
details, idempotency fingerprints, disk files): deterministic, and defined for every value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import rfc8785

Spec = Mapping[str, Any]
_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE doubles (I-JSON)
_FIXED_LOW, _FIXED_HIGH = 1e-4, 1e16  # where Python's repr and ECMAScript's agree


class _NeedsStandard(Exception):
    """The value holds something only the full RFC 8785 serializer writes correctly."""


def stable_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def canonical_json(value: Any) -> str:
    """RFC 8785 text of a JSON value; ValueError for what it cannot hold (NaN, infinities,
    integers beyond 2**53)."""
    try:
        return stable_json(_plain(value))
    except _NeedsStandard:
        return rfc8785.dumps(value).decode("utf-8")


def _plain(value: Any) -> Any:
    """The value with whole floats as ints (ECMAScript writes 5.0 as 5); raises
    _NeedsStandard where the fast path would differ from RFC 8785. Exact type checks first:
    this walk runs for every entity a replica verifies."""
    kind = type(value)
    if kind is str or value is None or kind is bool:
        return value
    if kind is dict:
        return {_plain_key(key): _plain(item) for key, item in value.items()}
    if kind is list or kind is tuple:
        return [_plain(item) for item in value]
    if kind is float:
        return _plain_float(value)
    if kind is int:
        if -_SAFE_INTEGER <= value <= _SAFE_INTEGER:
            return value
        raise _NeedsStandard
    if isinstance(value, Mapping):
        return _plain(dict(value))
    raise _NeedsStandard


def _plain_key(key: Any) -> str:
    if type(key) is not str or (key and max(key) > "\ud7ff"):
        raise _NeedsStandard  # UTF-16 order differs from code point order past U+D7FF
    return key


def _plain_float(value: float) -> Any:
    if value != value or value in (float("inf"), float("-inf")):
        raise _NeedsStandard
    magnitude = abs(value)
    if value.is_integer() and magnitude <= _SAFE_INTEGER:
        return int(value)  # beyond 2**53 ECMAScript pads the shortest digits with zeros
    if not value.is_integer() and _FIXED_LOW <= magnitude < _FIXED_HIGH:
        return value
    raise _NeedsStandard


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
