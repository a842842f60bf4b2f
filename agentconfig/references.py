"""Which entity refers to which: the one place that knows the reference fields of each kind,
used by validation (dangling references), diff (who is affected) and the runtime (resolve)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

_LIST_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "agent": (
        ("tool_ids", "tool"),
        ("mcp_server_ids", "mcp_server"),
        ("component_ids", "component"),
        ("conditional_prompt_ids", "conditional_prompt"),
    ),
    "squad": (("member_agent_ids", "agent"),),
}
_SCALAR_REFS: dict[str, tuple[tuple[str, str], ...]] = {
    "agent": (("voice_id", "voice"),),
    "squad": (("entry_agent_id", "agent"),),
}


class Reference(NamedTuple):
    field: str
    kind: str
    entity_id: str


def references(kind: str, spec: Mapping[str, Any]) -> Iterator[Reference]:
    """Every (field path, target kind, target id) that ``spec`` points at."""
    for field, target in _LIST_REFS.get(kind, ()):
        for i, ref in enumerate(spec.get(field, ())):
            yield Reference(f"{field}[{i}]", target, ref)
    for field, target in _SCALAR_REFS.get(kind, ()):
        if spec.get(field):
            yield Reference(field, target, spec[field])
    if kind == "squad":
        for i, rule in enumerate(spec.get("handoff_rules", ())):
            for field in ("from_agent_id", "to_agent_id"):
                if rule.get(field):
                    yield Reference(f"handoff_rules[{i}].{field}", "agent", rule[field])
