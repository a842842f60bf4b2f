"""Canonical form and content hashes: fixed vectors, so any drift in the rules (which third
parties reimplement from docs/api.md) fails here first."""

from __future__ import annotations

import hashlib
import itertools

import pytest

from agentconfig.canonical import canonical_json, entity_body, entity_hash, snapshot_hash
from agentconfig.kinds import entity_to_parts
from tests.harness import builders as b

SPEC = {"name": "Support", "instructions": "Olá, help.", "model": "gpt-4o-mini",
        "temperature": 0.3, "tool_ids": ["weather"]}
BODY = ('{"id":"support","kind":"agent","spec":{"instructions":"Olá, help.",'
        '"model":"gpt-4o-mini","name":"Support","temperature":0.3,"tool_ids":["weather"]}}')
ENTITY_HASH = "7ef590d7dda51ef3cd31de6e4f7297c292fed09dafb13cc2c8875366a8c3af32"
SNAPSHOT_HASH = "ada557167f8123b3ba525ce0719ffbb400cf49f7e1b6128feb44e91f67f57c17"
MANIFEST = [("agent", "support", ENTITY_HASH), ("tool", "weather", "ab" * 32)]


def test_entity_body_is_sorted_compact_utf8() -> None:
    assert entity_body("agent", "support", SPEC) == BODY


def test_entity_hash_vector() -> None:
    assert hashlib.sha256(BODY.encode("utf-8")).hexdigest() == ENTITY_HASH
    assert entity_hash("agent", "support", SPEC) == ENTITY_HASH


def test_snapshot_hash_vector() -> None:
    rows = ('[["agent","support","' + ENTITY_HASH + '"],["tool","weather","' + "ab" * 32
            + '"]]')
    assert hashlib.sha256(rows.encode()).hexdigest() == SNAPSHOT_HASH
    assert snapshot_hash(MANIFEST) == SNAPSHOT_HASH


def test_snapshot_hash_ignores_order() -> None:
    manifest = [*MANIFEST, ("squad", "desk", "cd" * 32), ("agent", "billing", "ef" * 32)]
    hashes = {snapshot_hash(list(p)) for p in itertools.permutations(manifest)}
    assert len(hashes) == 1


def test_snapshot_hash_sees_every_part() -> None:
    base = snapshot_hash(MANIFEST)
    assert snapshot_hash(MANIFEST[:1]) != base
    assert snapshot_hash([MANIFEST[0], ("tool", "weather", "ac" * 32)]) != base
    assert snapshot_hash([MANIFEST[0], ("tool", "weathe", "ab" * 32)]) != base
    assert snapshot_hash([]) == hashlib.sha256(b"[]").hexdigest()


def test_key_order_does_not_matter() -> None:
    reversed_spec = dict(reversed(list(SPEC.items())))
    assert entity_hash("agent", "support", reversed_spec) == ENTITY_HASH


def test_default_values_are_omitted_from_the_proto_spec() -> None:
    """The spec is the proto3 JSON mapping: unset scalars do not appear, so an explicit
    default and an absent field hash the same."""
    kind, entity_id, spec = entity_to_parts(b.agent("support", temperature=0.0,
                                                    greeting=""))  # type: ignore[misc]
    written = {"name": "Support", "instructions": "You help customers politely.",
               "model": "gpt-4o-mini", "language": "en"}
    assert spec == written
    assert entity_hash(kind.name, entity_id, spec) == entity_hash("agent", "support", written)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_numbers_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": bad})
