"""Issue 11, delta reloads: a snapshot built from the one served and the change equals the
one built whole, reuses every prepared agent the change does not touch, and refuses any
delta that does not add up (the loader then loads the version whole)."""

from __future__ import annotations

import pytest

from agentconfig.canonical import snapshot_hash
from agentconfig.resolution.snapshot import SnapshotCorrupt, build, hashed
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.domain.snapshot_delta import Delta, apply_delta
from tests.harness import builders as b


def _snapshot(version: int, entities: list[pb.Entity]) -> pb.Snapshot:
    digest = snapshot_hash((k, i, h) for (k, i), h in (hashed(e) for e in entities))
    return pb.Snapshot(workspace_id="ws-a", version=version, content_hash=digest,
                       entities=sorted(entities, key=lambda e: hashed(e)[0]))


def _delta(old: pb.Snapshot, new: pb.Snapshot) -> Delta:
    before = {hashed(e)[0]: hashed(e)[1] for e in old.entities}
    after = {hashed(e)[0]: (e, hashed(e)[1]) for e in new.entities}
    changed = tuple(after[k] for k in sorted(after) if before.get(k) != after[k][1])
    removed = tuple(sorted(k for k in before if k not in after))
    return Delta("ws-a", old.version, new.version, 0, new.content_hash, len(new.entities),
                 changed, removed)


V1 = [b.agent("alpha", tool_ids=["weather"]), b.agent("beta"), b.tool("weather"),
      b.voice("warm"), b.squad("desk", ("alpha", "beta"))]
V2 = [b.agent("alpha", tool_ids=["weather"]), b.agent("beta", instructions="Be brief."),
      b.tool("weather", timeout_ms=900), b.squad("desk", ("alpha", "beta")),
      b.agent("gamma")]  # beta and weather changed, warm removed, gamma added


def test_a_delta_builds_what_a_full_load_builds_and_reuses_the_rest() -> None:
    v1, v2 = _snapshot(1, V1), _snapshot(2, V2)
    base = build(v1, production=True)
    got = apply_delta(base, _delta(v1, v2), v2.content_hash)
    whole = build(v2, production=True)
    assert (got.version, got.content_hash, dict(got.hashes)) == \
        (2, whole.content_hash, dict(whole.hashes))
    assert {i: a.static for i, a in got.agents.items()} == \
        {i: a.static for i, a in whole.agents.items()}
    assert got.agents["alpha"] is not base.agents["alpha"]  # names the changed tool
    assert got.squads["desk"] is base.squads["desk"]  # untouched: reused as it is
    assert got.proto == whole.proto
    assert base.version == 1 and ("voice", "warm") in base.entities  # the base is unchanged


def test_an_untouched_agent_is_reused() -> None:
    v1 = _snapshot(1, V1)
    v2 = _snapshot(2, [*V1[:4], b.squad("desk", ("beta", "alpha"))])
    base = build(v1, production=True)
    got = apply_delta(base, _delta(v1, v2))
    assert got.agents["alpha"] is base.agents["alpha"]
    assert got.agents["beta"] is base.agents["beta"]


def _forged(delta: Delta, **fields: object) -> Delta:
    return Delta(**{**delta.__dict__, **fields})


@pytest.mark.parametrize("forge", [
    lambda d: _forged(d, changed=((b.tool("weather", timeout_ms=1), d.changed[0][1]),
                                  *d.changed[1:])),  # body altered, hash kept
    lambda d: _forged(d, content_hash="ab" * 32),
    lambda d: _forged(d, removed=()),  # a removal left out: the whole hash says so
    lambda d: _forged(d, removed=(("voice", "cold"),)),
    lambda d: _forged(d, entity_count=d.entity_count + 1),
    lambda d: _forged(d, from_version=3),
    lambda d: _forged(d, version=1),
    lambda d: _forged(d, workspace_id="ws-b"),
])
def test_a_delta_that_does_not_add_up_is_refused(forge: object) -> None:
    v1, v2 = _snapshot(1, V1), _snapshot(2, V2)
    delta = forge(_delta(v1, v2))  # type: ignore[operator]
    with pytest.raises(SnapshotCorrupt):
        apply_delta(build(v1, production=True), delta, v2.content_hash)


def test_the_announced_hash_must_match_too() -> None:
    v1, v2 = _snapshot(1, V1), _snapshot(2, V2)
    with pytest.raises(SnapshotCorrupt):
        apply_delta(build(v1, production=True), _delta(v1, v2), "cd" * 32)
