"""Entities as the console edits them: the spec as YAML (the same short enum names as
``agentctl get -o yaml``), parsed back into a proto Entity, and the references between
entities (which a Draft page shows both ways)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import yaml

from agentconfig.kinds import KINDS, Kind, entity_to_parts, kind_by_name
from agentconfig.v1 import entities_pb2 as pb
from agentctl.entities import document, entity_from_spec
from console.errors import Invalid, Problem

LIVE_REFERENCES = ("connection_id", "provider_id")  # live data, not entities
REF_KINDS = {"tool_ids": "tool", "mcp_server_ids": "mcp-server", "voice_id": "voice",
             "component_ids": "component", "conditional_prompt_ids": "conditional-prompt",
             "member_agent_ids": "agent", "entry_agent_id": "agent"}


@dataclass
class Row:
    kind: str  # "mcp-server"
    entity_id: str
    etag: str
    spec: dict[str, Any]
    uses: list[str] = field(default_factory=list)
    used_by: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.entity_id}"

    @property
    def title(self) -> str:
        name = self.spec.get("name") or self.spec.get("voice_name") or ""
        return str(name)


def kind_from_url(word: str) -> Kind | None:
    return kind_by_name(word.replace("-", "_"))


def spec_yaml(entity: pb.Entity) -> str:
    parts = entity_to_parts(entity)
    if parts is None:
        return ""
    return yaml.safe_dump(document(*parts)["spec"], sort_keys=False, allow_unicode=True,
                          width=100)


def parse(kind: Kind, entity_id: str, text: str) -> pb.Entity:
    """Invalid (with the problem under ``spec``) when the YAML or a field is wrong."""
    try:
        spec = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise Invalid("the YAML does not parse", [Problem("spec", str(exc))], 422) from None
    if not isinstance(spec, dict):
        raise Invalid("the spec must be a mapping of fields",
                      [Problem("spec", "expected `field: value` lines")], 422)
    try:
        return entity_from_spec(kind, entity_id, spec)
    except Exception as exc:  # json_format.ParseError and the TypeErrors it lets through
        raise Invalid("a field is wrong", [Problem("spec", str(exc))], 422) from None


def rows(entities: list[pb.DraftEntity]) -> dict[str, list[Row]]:
    """By kind, in the registry's order; each row with what it uses and what uses it."""
    out: list[Row] = []
    for item in entities:
        parts = entity_to_parts(item.entity)
        if parts is None:
            continue
        doc = document(*parts)
        out.append(Row(doc["kind"], parts[1], item.etag, doc["spec"]))
    _link(out)
    grouped: dict[str, list[Row]] = {k.name.replace("_", "-"): [] for k in KINDS}
    for row in sorted(out, key=lambda r: r.entity_id):
        grouped[row.kind].append(row)
    return grouped


def _link(out: list[Row]) -> None:
    by_label = {r.label: r for r in out}
    users: dict[str, list[str]] = defaultdict(list)
    for row in out:
        row.uses = _references(row.spec)
        for target in row.uses:
            users[target].append(row.label)
    for label, found in by_label.items():
        found.used_by = sorted(users.get(label, []))


def _references(spec: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for name, kind in REF_KINDS.items():
        value = spec.get(name)
        ids = value if isinstance(value, list) else [value] if value else []
        found += [f"{kind}/{i}" for i in ids]
    for rule in spec.get("handoff_rules", []) or []:
        found += [f"agent/{rule[k]}" for k in ("from_agent_id", "to_agent_id") if rule.get(k)]
    return sorted(set(found))


def documents(items: list[pb.Entity]) -> list[tuple[str, str]]:
    """(kind/id, spec as YAML) for a version's content, sorted."""
    out = []
    for entity in items:
        kind = entity.WhichOneof("spec")
        if kind is not None:
            out.append((f"{kind.replace('_', '-')}/{entity.id}", spec_yaml(entity)))
    return sorted(out)


def located(problems: list[Problem], text: str) -> list[Problem]:
    """Each problem with the editor line of the first top-level field its path names
    (``entity.agent.temperature``, ``squad/x.handoff_rules[0].condition`` ...)."""
    lines = {line.split(":", 1)[0]: number
             for number, line in enumerate(text.splitlines(), start=1)
             if line[:1].isalpha() and ":" in line}
    out = []
    for problem in problems:
        names = [part.split("[", 1)[0] for part in re.split(r"[./]", problem.field)]
        line = next((lines[n] for n in names if n in lines), 0)
        out.append(Problem(problem.field, problem.description, line))
    return out
