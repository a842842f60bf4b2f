"""The Draft as a change from Production (issue 11): what publish, diff and validate read
instead of the whole workspace.

Production was validated whole when it was published, and nothing unchanged can become
invalid except by losing what it refers to. So a change is validated by checking the changed
entities, the unchanged ones that refer to a removed key, and every channel, against which
keys the Draft holds: the same problems, in the same order, as validating the whole Draft
(tests/unit/test_incremental_equivalence.py compares the two on random edits). Before the
first publish there is no valid base, and the whole Draft is validated.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence

from agentconfig.diff import ChannelBinding, EntityDiff, diff_specs
from agentconfig.errors import FieldViolation
from config_service.domain import limits as L
from config_service.domain.model import Key, Spec, Workspace
from config_service.domain.validation import keys_named, validate_draft, validate_entities
from config_service.service.change_ports import EntityChange
from config_service.service.common import specs_of
from config_service.service.ports import Manifest, Repository


async def changes(repo: Repository, ws: Workspace) -> list[EntityChange]:
    """The Draft against Production."""
    return await repo.draft_changes(ws.id, ws.production_version)


async def _specs(repo: Repository, hashes: dict[Key, str]) -> dict[Key, Spec]:
    bodies = await repo.get_specs(sorted(set(hashes.values())))
    return {key: bodies[digest] for key, digest in hashes.items()}


async def validate(repo: Repository, ws: Workspace, delta: Sequence[EntityChange],
                   ) -> list[FieldViolation]:
    channels = await repo.list_channels(ws.id)
    if not ws.production_version:
        return validate_draft(await specs_of(repo, await repo.draft_manifest(ws.id)), channels)
    touched = {c.key: c.new for c in delta if c.new}
    removed = [c.key for c in delta if c.new is None]
    if removed:
        for key, digest in (await repo.draft_referrers(ws.id, removed)).items():
            touched.setdefault(key, digest)
    specs = await _specs(repo, touched)
    present = await repo.draft_present(ws.id, keys_named(specs, channels))
    return validate_entities(specs, present, channels)


Referrers = Callable[[Collection[Key]], Awaitable[Manifest]]


async def _users(sides: Sequence[Referrers], start: Iterable[Key]) -> Manifest:
    """Every entity that refers, directly or through others, to a key of ``start``, on
    either side (key -> hash)."""
    seen = set(start)
    frontier = set(seen)
    found: Manifest = {}
    while frontier:
        reached: set[Key] = set()
        for side in sides:
            referrers = await side(frontier)
            found.update(referrers)
            reached |= referrers.keys()
        frontier = reached - seen
        seen |= frontier
    return found


async def diff(repo: Repository, ws: Workspace, delta: Sequence[EntityChange],
               old_version: int = -1, new_version: int = 0) -> list[EntityDiff]:
    """What diff_specs gives for the whole workspace, from the changed entities and the
    entities that use them (an unchanged user reads the same on both sides). The sides are
    Production and the Draft, or versions ``old_version`` and ``new_version``."""
    old_version = ws.production_version if old_version < 0 else old_version

    def side(number: int) -> Referrers:
        return lambda keys: repo.version_referrers(ws.id, number, keys)

    sides = [side(old_version)] if old_version else []
    sides.append(side(new_version) if new_version else
                 (lambda keys: repo.draft_referrers(ws.id, keys)))
    old = {c.key: c.old for c in delta if c.old}
    new = {c.key: c.new for c in delta if c.new}
    changed = {c.key for c in delta}
    for key, digest in (await _users(sides, changed)).items():
        if key not in changed:
            old[key] = new[key] = digest
    channels = [ChannelBinding(c.channel_id, c.target_kind, c.target_id)
                for c in await repo.list_channels(ws.id)]
    bodies = await repo.get_specs(sorted(set(old.values()) | set(new.values())))
    return diff_specs({k: bodies[h] for k, h in old.items()},
                      {k: bodies[h] for k, h in new.items()}, channels)


async def version_change(repo: Repository, ws: Workspace, a: int, b: int,
                         ) -> list[EntityChange]:
    """From version ``a`` to ``b``, either way round, from the version ranges alone."""
    if a == b:
        return []
    found = await repo.version_changes(ws.id, min(a, b), max(a, b),
                                       2 * L.MAX_ENTITIES_PER_WORKSPACE)
    return found if a < b else [EntityChange(c.kind, c.entity_id, c.new, c.old)
                                for c in found]


def between(old: Manifest, new: Manifest) -> list[EntityChange]:
    """The change between two manifests already read (a rollback's)."""
    return sorted(EntityChange(k[0], k[1], old.get(k), new.get(k))
                  for k in old.keys() | new.keys() if old.get(k) != new.get(k))
