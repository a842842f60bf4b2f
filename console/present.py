"""Turning proto answers into what a template shows: times, kind and role names, version
origins, and a Diff as entries of field changes (a long text as a line-level diff)."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any, Literal

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp

from agentconfig.kinds import kind_by_enum
from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.stagedview import PHASES, STATES
from agentctl.values import plain

MAX_VALUE = 300
_TYPES = {cpb.DIFF_TYPE_ADDED: "added", cpb.DIFF_TYPE_REMOVED: "removed",
          cpb.DIFF_TYPE_CHANGED: "changed"}
_ROLES = {1: "viewer", 2: "editor", 3: "publisher", 4: "admin", 5: "channel"}


def when(stamp: Timestamp) -> str:
    if not stamp.seconds and not stamp.nanos:
        return ""
    return stamp.ToDatetime().strftime("%Y-%m-%d %H:%M:%S UTC")


def kind_label(value: int) -> str:
    found = kind_by_enum(value)
    return found.name.replace("_", "-") if found else str(value)


def origin(version: cpb.Version) -> str:
    kind = version.origin.type
    if kind == cpb.VERSION_ORIGIN_TYPE_RESTORED:
        return f"restored from v{version.origin.restored_from_version}"
    if kind == cpb.VERSION_ORIGIN_TYPE_ROLLBACK:
        return f"rollback to v{version.origin.restored_from_version}"
    if version.origin.draft_revision:
        return f"draft revision {version.origin.draft_revision}"
    return "draft"


def shown(value: Any) -> str:
    text = json.dumps(plain(value), ensure_ascii=False)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


@dataclass
class FieldRow:
    path: str
    mark: str  # "added", "removed", "changed"
    old: str = ""
    new: str = ""
    lines: list[tuple[str, str]] = field(default_factory=list)  # (css class, text)


@dataclass
class EntryRow:
    kind: str
    entity_id: str
    type: str
    fields: list[FieldRow]
    agents: list[str]
    squads: list[str]
    channels: list[str]

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.entity_id}"


def _value(change: cpb.FieldChange, name: Literal["old_value", "new_value"]) -> Any:
    return json_format.MessageToDict(getattr(change, name)) if change.HasField(name) else None


def line_diff(old: str, new: str) -> list[tuple[str, str]]:
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2))
    classes = {"+": "add", "-": "del", "@": "hunk"}
    return [(classes.get(line[:1], "ctx"), line) for line in lines[2:]]


def field_row(change: cpb.FieldChange) -> FieldRow:
    old, new = _value(change, "old_value"), _value(change, "new_value")
    if old is None:
        return FieldRow(change.path, "added", new=shown(new))
    if new is None:
        return FieldRow(change.path, "removed", old=shown(old))
    row = FieldRow(change.path, "changed", shown(old), shown(new))
    if isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new
                                                          or len(old) + len(new) > 160):
        row.lines = line_diff(old, new)
    return row


def diff_rows(diff: cpb.Diff) -> list[EntryRow]:
    return [EntryRow(kind_label(e.kind), e.entity_id, _TYPES.get(e.type, "changed"),
                     [field_row(f) for f in e.field_changes], list(e.affected_agent_ids),
                     list(e.affected_squad_ids), list(e.affected_channel_ids))
            for e in diff.entries]


def blast_radius(rows: list[EntryRow]) -> dict[str, list[str]]:
    out: dict[str, set[str]] = {"agents": set(), "squads": set(), "channels": set()}
    for row in rows:
        out["agents"].update(row.agents)
        out["squads"].update(row.squads)
        out["channels"].update(row.channels)
    return {k: sorted(v) for k, v in out.items()}


FILTERS = {"when": when, "kind_label": kind_label, "origin": origin,
           "role_label": lambda r: _ROLES.get(r, str(r)),
           "percent": lambda bp: f"{bp / 100:g}%",
           "phase_label": lambda p: PHASES.get(p, (str(p), ""))[0],
           "schedule_state": lambda s: STATES.get(s, str(s))}
