"""The runtime's re-hashing shortcut (agentconfig.resolution.manifest, in the client SDK)
gives exactly agentconfig.canonical.snapshot_hash, after any sequence of changes, and
steps aside where the shortcut would not be the canonical text."""

from __future__ import annotations

import hashlib
import random

from agentconfig.canonical import snapshot_hash
from agentconfig.resolution.manifest import Manifest


def _hash(n: object) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


def _canonical(hashes: dict[tuple[str, str], str]) -> str:
    return snapshot_hash((k, i, h) for (k, i), h in hashes.items())


def test_random_changes_hash_as_snapshot_hash_does() -> None:
    rng = random.Random(11)
    kinds = ["agent", "tool", "squad", "voice"]
    hashes = {(rng.choice(kinds), f"e-{i}"): _hash(i) for i in range(300)}
    manifest = Manifest.of(hashes, _canonical(hashes))
    assert manifest.exact
    for step in range(40):
        removed = rng.sample(sorted(hashes), 3)
        changed = {(rng.choice(kinds), f"e-{rng.randrange(400)}"): _hash((step, n))
                   for n in range(4)}
        for key in removed:
            hashes.pop(key)
        changed = {k: h for k, h in changed.items() if k not in removed}
        hashes.update(changed)
        manifest = manifest.changed(removed, changed)
        assert manifest.keys == sorted(hashes)
        assert manifest.digest(hashes) == _canonical(hashes)


def test_an_id_that_needs_escaping_takes_the_canonical_path() -> None:
    hashes = {("agent", "plain"): _hash(1)}
    manifest = Manifest.of(hashes, _canonical(hashes))
    hashes[("tool", 'quo"te\\')] = _hash(2)
    after = manifest.changed([], {("tool", 'quo"te\\'): _hash(2)})
    assert not after.exact and after.digest(hashes) == _canonical(hashes)
    odd = {("agent", "é"): _hash(3)}
    assert not Manifest.of(odd, _canonical(odd)).exact


def test_a_shortcut_that_disagrees_with_the_canonical_hash_is_dropped() -> None:
    hashes = {("agent", "a"): _hash(1)}
    manifest = Manifest.of(hashes, "0" * 64)  # as if the canonical form had changed
    assert not manifest.exact
