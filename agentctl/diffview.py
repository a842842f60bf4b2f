"""Drawing a Diff: one block per entity (+ added, - removed, ~ changed), each field change
with its old and new value (a multi-line string as a line-level diff), and the agents,
squads and channels the change reaches."""

from __future__ import annotations

from typing import Any, Literal

from google.protobuf import json_format
from rich.console import Group
from rich.text import Text

from agentconfig.kinds import kind_by_enum
from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.entities import cli_name
from agentctl.values import as_json, is_long_text, line_diff

_MARKS = {cpb.DIFF_TYPE_ADDED: ("+", "green", "added"),
          cpb.DIFF_TYPE_REMOVED: ("-", "red", "removed"),
          cpb.DIFF_TYPE_CHANGED: ("~", "yellow", "changed")}
MAX_VALUE = 200


def entity_label(kind: int, entity_id: str) -> str:
    found = kind_by_enum(kind)
    return f"{cli_name(found) if found else kind}/{entity_id}"


def _value(field: cpb.FieldChange, name: Literal["old_value", "new_value"]) -> Any:
    return json_format.MessageToDict(getattr(field, name)) if field.HasField(name) else None


def _show(value: Any) -> str:
    text = as_json(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def field_lines(field: cpb.FieldChange) -> list[Text]:
    old, new = _value(field, "old_value"), _value(field, "new_value")
    line = Text("    ")
    if old is None:
        return [line.append(f"+ {field.path}: {_show(new)}", style="green")]
    if new is None:
        return [line.append(f"- {field.path}: {_show(old)}", style="red")]
    line.append(f"~ {field.path}:", style="yellow")
    if is_long_text(old, new):
        return [line, *line_diff(old, new, indent=" " * 8)]
    line.append(" ")
    line.append(_show(old), style="red")
    line.append(" -> ")
    return [line.append(_show(new), style="green")]


def affected_line(entry: cpb.EntityDiff) -> Text | None:
    parts = [f"{name}: {', '.join(ids)}" for name, ids in (
        ("agents", entry.affected_agent_ids), ("squads", entry.affected_squad_ids),
        ("channels", entry.affected_channel_ids)) if ids]
    return Text("    affects " + "; ".join(parts), style="cyan") if parts else None


def entry_lines(entry: cpb.EntityDiff) -> list[Text]:
    mark, style, word = _MARKS.get(entry.type, ("?", "", "?"))
    head = Text(f"{mark} {entity_label(entry.kind, entry.entity_id)}", style=f"bold {style}")
    head.append(f"  ({word})", style="dim")
    lines = [head, *(line for f in entry.field_changes for line in field_lines(f))]
    affected = affected_line(entry)
    return lines + ([affected] if affected else [])


def summary(diff: cpb.Diff) -> str:
    counts = {word: sum(1 for e in diff.entries if e.type == t)
              for t, (_, _, word) in _MARKS.items()}
    return ", ".join(f"{n} {word}" for word, n in counts.items())


def render(diff: cpb.Diff, title: str) -> Group:
    lines: list[Text] = [Text(title, style="bold")]
    if not diff.entries:
        return Group(*lines, Text("No differences.", style="dim"))
    for entry in diff.entries:
        lines += entry_lines(entry)
    lines.append(Text(f"{len(diff.entries)} entities differ: {summary(diff)}", style="bold"))
    return Group(*lines)


def as_data(diff: cpb.Diff) -> dict[str, Any]:
    """The diff for json/yaml output: values as JSON, kinds by their CLI name."""
    entries = []
    for e in diff.entries:
        entries.append({
            "entity": entity_label(e.kind, e.entity_id),
            "type": _MARKS.get(e.type, ("", "", "unknown"))[2],
            "fields": [{"path": f.path, "old": _value(f, "old_value"),
                        "new": _value(f, "new_value")} for f in e.field_changes],
            "affected": {"agents": list(e.affected_agent_ids),
                         "squads": list(e.affected_squad_ids),
                         "channels": list(e.affected_channel_ids)},
        })
    return {"from_content_hash": diff.from_content_hash,
            "to_content_hash": diff.to_content_hash, "entries": entries}
