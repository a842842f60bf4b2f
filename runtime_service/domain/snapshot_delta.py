"""A delta reload: the next version built from the one served and what changed between
them (GetVersionChanges), so the work grows with the change, not with the workspace.

The served snapshot is never modified: its maps are copied (references only), each changed
entity's hash is recomputed from its body, the whole manifest must hash to the version's
content hash, and only the agents and squads the change touches are prepared again; every
other prepared entity is reused as it is. Anything that does not add up is SnapshotCorrupt,
and the loader falls back to a full load.
"""

from __future__ import annotations

from dataclasses import dataclass

from agentconfig.resolution.snapshot import (
    Key,
    PreparedAgent,
    PreparedSquad,
    ServingSnapshot,
    SnapshotCorrupt,
    hashed,
    prepare_agent,
    prepare_squad,
)
from agentconfig.v1 import entities_pb2 as pb


@dataclass(frozen=True)
class Delta:
    """GetVersionChanges' answer, as the runtime reads it."""

    workspace_id: str
    from_version: int
    version: int
    draft_revision: int
    content_hash: str
    entity_count: int
    changed: tuple[tuple[pb.Entity, str], ...]  # (entity, its claimed content hash)
    removed: tuple[Key, ...]


def apply_delta(base: ServingSnapshot, delta: Delta, expected_hash: str = "",
                ) -> ServingSnapshot:
    """``delta.version`` from ``base`` and ``delta``, verified. Raises SnapshotCorrupt."""
    if (delta.workspace_id, delta.from_version) != (base.workspace_id, base.version) \
            or delta.version <= base.version:
        raise SnapshotCorrupt(f"a delta v{delta.from_version}->v{delta.version} of "
                              f"{delta.workspace_id!r} does not apply to v{base.version}")
    entities, hashes = dict(base.entities), dict(base.hashes)
    touched = set(delta.removed)
    changed: dict[Key, str] = {}
    for key in delta.removed:
        if entities.pop(key, None) is None or hashes.pop(key, None) is None:
            raise SnapshotCorrupt(f"delta removes {key[0]}/{key[1]}, which v{base.version} "
                                  "lacks")
    for entity, claimed in delta.changed:
        key, actual = hashed(entity)
        if actual != claimed:
            raise SnapshotCorrupt(f"{key[0]}/{key[1]} hashes to {actual[:12]}, not "
                                  f"{claimed[:12]}")
        entities[key], hashes[key] = entity, actual
        changed[key] = actual
        touched.add(key)
    if len(hashes) != delta.entity_count:
        raise SnapshotCorrupt(f"{len(hashes)} entities after the delta, not "
                              f"{delta.entity_count}")
    if not delta.content_hash:
        raise SnapshotCorrupt("the delta carries no content hash")
    manifest = base.manifest.changed(delta.removed, changed)
    actual_hash = manifest.digest(hashes)
    for claimed in (delta.content_hash, expected_hash):
        if claimed and claimed != actual_hash:
            raise SnapshotCorrupt(f"content hashes to {actual_hash[:12]}, not {claimed[:12]}")
    return ServingSnapshot(
        base.workspace_id, delta.version, delta.draft_revision, actual_hash, entities, hashes,
        manifest, _agents(base, entities, touched), _squads(base, entities, touched),
        production=base.production)


def _agents(base: ServingSnapshot, entities: dict[Key, pb.Entity], touched: set[Key],
            ) -> dict[str, PreparedAgent]:
    """Reused unless the agent or anything it names changed."""
    agents = {i: a for i, a in base.agents.items()
              if ("agent", i) not in touched and not a.refs & touched}
    stale = {i for i in base.agents if i not in agents} | \
        {i for k, i in touched if k == "agent"}
    for agent_id in stale:
        entity = entities.get(("agent", agent_id))
        if entity is not None:
            agents[agent_id] = prepare_agent(agent_id, entity, entities)
    return agents


def _squads(base: ServingSnapshot, entities: dict[Key, pb.Entity], touched: set[Key],
            ) -> dict[str, PreparedSquad]:
    squads = {i: s for i, s in base.squads.items() if ("squad", i) not in touched}
    for kind, squad_id in touched:
        entity = entities.get((kind, squad_id)) if kind == "squad" else None
        if entity is not None:
            squads[squad_id] = prepare_squad(squad_id, entity.squad)
    return squads
