"""Canonical form and content hashes: RFC 8785, checked against an independent
implementation (the ``rfc8785`` package) on the test vectors published in docs/api.md and on
generated values, so third parties who reimplement it from the docs get the same hashes."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from agentconfig.canonical import canonical_json, entity_body, entity_hash, snapshot_hash
from agentconfig.kinds import entity_to_parts
from tests.harness import builders as b

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"
MARK = "<!-- hash-test-vectors -->"
ENTITY_HASH = "7ef590d7dda51ef3cd31de6e4f7297c292fed09dafb13cc2c8875366a8c3af32"
MANIFEST = [("agent", "support", ENTITY_HASH), ("tool", "weather", "ab" * 32)]


def _vectors() -> list[dict[str, Any]]:
    text = API_DOC.read_text(encoding="utf-8")
    block = text[text.index(MARK):].split("```jsonl\n", 1)[1].split("```", 1)[0]
    return [json.loads(line) for line in block.splitlines() if line.strip()]


VECTORS = _vectors()
ENTITIES = [v for v in VECTORS if "entity_hash" in v]
SNAPSHOTS = [v for v in VECTORS if "snapshot_hash" in v]


def test_the_docs_publish_entity_and_snapshot_vectors() -> None:
    assert len(ENTITIES) >= 3 and len(SNAPSHOTS) >= 2


@pytest.mark.parametrize("vector", ENTITIES, ids=lambda v: f"{v['kind']}/{v['id']}")
def test_entity_vector_matches_rfc8785_package(vector: dict[str, Any]) -> None:
    document = {"id": vector["id"], "kind": vector["kind"], "spec": vector["spec"]}
    assert rfc8785.dumps(document).decode("utf-8") == vector["body"]
    assert hashlib.sha256(vector["body"].encode("utf-8")).hexdigest() == vector["entity_hash"]
    assert entity_body(vector["kind"], vector["id"], vector["spec"]) == vector["body"]
    assert entity_hash(vector["kind"], vector["id"], vector["spec"]) == vector["entity_hash"]


@pytest.mark.parametrize("vector", SNAPSHOTS, ids=lambda v: f"{len(v['snapshot'])}-entities")
def test_snapshot_vector_matches_rfc8785_package(vector: dict[str, Any]) -> None:
    rows = sorted(vector["snapshot"])
    assert rfc8785.dumps(rows).decode("utf-8") == vector["body"]
    assert hashlib.sha256(vector["body"].encode("utf-8")).hexdigest() == vector["snapshot_hash"]
    assert snapshot_hash([tuple(r) for r in reversed(vector["snapshot"])]) \
        == vector["snapshot_hash"]


_keys = st.text(max_size=6)
_numbers = st.one_of(
    st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.0, -0.0, 5000.0, 1e-4, 9.99e-5, 1e-7, 1e16, 1e21, 2.0**53,
                     2.0**53 + 2, 123.456, 1e15 + 0.5]),
)
_json = st.recursive(
    st.one_of(st.none(), st.booleans(), _numbers, st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_keys, inner, max_size=4)),
    max_leaves=20)


@settings(max_examples=600, deadline=None)
@given(_json)
def test_canonical_json_equals_rfc8785_on_any_value(value: Any) -> None:
    """The fast path (the C JSON encoder) never writes anything RFC 8785 would not."""
    assert canonical_json(value) == rfc8785.dumps(value).decode("utf-8")


@pytest.mark.parametrize("value, text", [
    (5000.0, "5000"), (-0.0, "0"), (0.3, "0.3"), (1e-7, "1e-7"), (1e21, "1e+21"),
    (1e-5, "0.00001"), (2.0**60, "1152921504606847000"),
    ({"b": 1, "a": [1.5]}, '{"a":[1.5],"b":1}'),
    ({"\ue000": 1, "\U0001f600": 2}, '{"\U0001f600":2,"\ue000":1}'),  # UTF-16 order
    ("line\u2028\u0007\"", '"line\u2028\\u0007\\""'),
])
def test_canonical_json_known_cases(value: Any, text: str) -> None:
    assert canonical_json(value) == text


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
    spec = ENTITIES[0]["spec"]
    reversed_spec = dict(reversed(list(spec.items())))
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


def test_a_whole_double_hashes_as_the_integer_it_equals() -> None:
    """ECMAScript has one number type: a Struct's 14.0 and a JSON 14 are the same text."""
    assert entity_hash("voice", "v", {"speed": 2.0}) == entity_hash("voice", "v", {"speed": 2})


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, 2**53, -(2**60)])
def test_numbers_outside_ijson_are_refused(bad: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"x": bad})
