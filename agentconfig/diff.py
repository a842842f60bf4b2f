"""Field-level diff between two sets of entities (Draft vs Production, or vA vs vB), and the
agents, squads and channels each change reaches.

Paths read like the proto JSON: ``instructions``, ``handoff_rules[0].condition``,
``input_schema.properties.city.type``. A list of scalars (a list of ids) changes as a whole,
which reads better than index shuffles; a list of messages is compared item by item.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from agentconfig.kinds import KIND_ORDER
from agentconfig.references import references

Key = tuple[str, str]  # (kind, id)
Specs = Mapping[Key, Mapping[str, Any]]
_MISSING: Any = None


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any
    new: Any


@dataclass
class EntityDiff:
    kind: str
    entity_id: str
    type: str  # "added" | "removed" | "changed"
    changes: list[FieldChange] = field(default_factory=list)
    affected_agents: list[str] = field(default_factory=list)
    affected_squads: list[str] = field(default_factory=list)
    affected_channels: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChannelBinding:
    channel_id: str
    target_kind: str
    target_id: str


def diff_specs(old: Specs, new: Specs,
               channels: Iterable[ChannelBinding] = ()) -> list[EntityDiff]:
    """Entries sorted by kind (in registry order) then id."""
    keys = sorted(set(old) | set(new), key=lambda k: (KIND_ORDER.get(k[0], 99), k[1]))
    entries: list[EntityDiff] = []
    for key in keys:
        before, after = old.get(key), new.get(key)
        if before == after:
            continue
        if before is None:
            entries.append(EntityDiff(key[0], key[1], "added", field_changes(None, after)))
        elif after is None:
            entries.append(EntityDiff(key[0], key[1], "removed", field_changes(before, None)))
        else:
            entries.append(EntityDiff(key[0], key[1], "changed", field_changes(before, after)))
    _mark_affected(entries, old, new, list(channels))
    return entries


def field_changes(old: Any, new: Any, path: str = "") -> list[FieldChange]:
    if old == new:
        return []
    if (isinstance(old, Mapping) and isinstance(new, Mapping)) or (
            path == "" and (old is None or new is None)):
        old_map, new_map = old or {}, new or {}
        out: list[FieldChange] = []
        for name in sorted(set(old_map) | set(new_map)):
            sub = f"{path}.{name}" if path else name
            out += field_changes(old_map.get(name, _MISSING), new_map.get(name, _MISSING), sub)
        return out
    if _is_message_list(old) and _is_message_list(new):
        out = []
        for i in range(max(len(old), len(new))):
            item_old = old[i] if i < len(old) else _MISSING
            item_new = new[i] if i < len(new) else _MISSING
            out += field_changes(item_old, item_new, f"{path}[{i}]")
        return out
    return [FieldChange(path, old, new)]


def _is_message_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def _mark_affected(entries: list[EntityDiff], old: Specs, new: Specs,
                   channels: list[ChannelBinding]) -> None:
    """Walk references backwards (on both sides, so a removal still reaches its users)."""
    users: dict[Key, set[Key]] = defaultdict(set)
    for specs in (old, new):
        for (kind, entity_id), spec in specs.items():
            for ref in references(kind, spec):
                users[(ref.kind, ref.entity_id)].add((kind, entity_id))
    for entry in entries:
        reached = _reach((entry.kind, entry.entity_id), users)
        entry.affected_agents = sorted(i for k, i in reached if k == "agent")
        entry.affected_squads = sorted(i for k, i in reached if k == "squad")
        entry.affected_channels = sorted(
            c.channel_id for c in channels if (c.target_kind, c.target_id) in reached)


def _reach(start: Key, users: Mapping[Key, set[Key]]) -> set[Key]:
    seen = {start}
    stack = [start]
    while stack:
        for user in users.get(stack.pop(), ()):
            if user not in seen:
                seen.add(user)
                stack.append(user)
    return seen
