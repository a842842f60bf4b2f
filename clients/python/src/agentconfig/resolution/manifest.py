"""A snapshot's manifest ((kind, id) -> entity hash) kept ready for re-hashing, so a delta
reload verifies the whole content hash in time that grows slowly with the workspace.

``agentconfig.canonical.snapshot_hash`` is the RFC 8785 text of the sorted
``[kind, id, hash]`` triples, hashed. For kinds, ids and hex hashes made of printable ASCII
without ``"`` or ``\\`` that text is plain concatenation, so each row's text is kept and a
delta re-hashes by joining the rows in key order (the sorted key list is updated by
bisection, not re-sorted). The shortcut is checked against ``snapshot_hash`` when a
snapshot is built whole; where it does not agree (an id that needs escaping, or a change in
the canonical form) the manifest is ``exact=False`` and every digest goes through
``snapshot_hash`` itself.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from agentconfig.canonical import snapshot_hash

Key = tuple[str, str]
_PLAIN = re.compile(r'[ !#-\[\]-~]*')  # printable ASCII but " and \


def _row(key: Key, digest: str) -> str | None:
    kind, entity_id = key
    if _PLAIN.fullmatch(kind) and _PLAIN.fullmatch(entity_id) and _PLAIN.fullmatch(digest):
        return f'["{kind}","{entity_id}","{digest}"]'
    return None


@dataclass(frozen=True)
class Manifest:
    keys: list[Key]  # sorted; never changed once built (a delta copies it)
    rows: dict[Key, str]  # the row text of each key, when exact
    exact: bool

    @classmethod
    def of(cls, hashes: Mapping[Key, str], content_hash: str) -> Manifest:
        """Built whole, from hashes already verified against ``content_hash``."""
        rows = {k: _row(k, h) for k, h in hashes.items()}
        plain = {k: r for k, r in rows.items() if r is not None}
        made = cls(sorted(hashes), plain, len(plain) == len(rows))
        if made.exact and made._joined() != content_hash:
            return cls(made.keys, {}, False)
        return made

    def _joined(self) -> str:
        rows = self.rows
        text = "[" + ",".join([rows[k] for k in self.keys]) + "]"
        return hashlib.sha256(text.encode()).hexdigest()

    def digest(self, hashes: Mapping[Key, str]) -> str:
        """The snapshot hash of ``hashes`` (whose keys are this manifest's)."""
        if self.exact:
            return self._joined()
        return snapshot_hash((k, i, h) for (k, i), h in hashes.items())

    def changed(self, removed: Iterable[Key], changed: Mapping[Key, str]) -> Manifest:
        """A new manifest: ``removed`` gone, ``changed`` (key -> hash) added or replaced."""
        keys, rows, exact = list(self.keys), dict(self.rows), self.exact
        for key in removed:
            at = bisect.bisect_left(keys, key)
            if at < len(keys) and keys[at] == key:
                del keys[at]
            rows.pop(key, None)
        for key, digest in changed.items():
            at = bisect.bisect_left(keys, key)
            if at == len(keys) or keys[at] != key:
                keys.insert(at, key)
            row = _row(key, digest) if exact else None
            if row is None:
                exact = False
            else:
                rows[key] = row
        return Manifest(keys, rows if exact else {}, exact)
