"""Naming the file and entity behind a violation's field path.

The server names a field either inside the request (``entities[3].agent.tool_ids``, for an
apply) or inside the Draft (``agent/support.tool_ids[0]``, for validate and publish).
``apply`` remembers, per server and workspace, which file each entity came from, so later
commands can name the file too; without that record a violation names entity and field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

from agentconfig.kinds import kind_by_name
from agentctl.entities import cli_name
from agentctl.files import Source, display
from agentctl.settings import Settings, safe_name, state_dir

_IN_REQUEST = re.compile(r"^entities\[(\d+)\](?:\.(.*))?$")
_IN_DRAFT = re.compile(r"^([a-z_]+)/([A-Za-z0-9_-]+)(?:\.(.*))?$")


class Locator:
    def __init__(self, files: dict[str, str] | None = None,
                 applied: Sequence[Source] = ()) -> None:
        self.files = files or {}  # "agent/support" -> file path
        self.applied = list(applied)

    def __call__(self, field_path: str) -> tuple[str, str]:
        """``(where, field)``: e.g. ``("examples/a.yaml: agent/support", "tool_ids[0]")``."""
        found = _IN_REQUEST.match(field_path)
        if found and int(found[1]) < len(self.applied):
            source = self.applied[int(found[1])]
            rest = found[2] or ""
            rest = rest.removeprefix(source.kind.name + ".")
            return f"{source.path}: {source.label}", rest
        found = _IN_DRAFT.match(field_path)
        if found:
            kind = kind_by_name(found[1])
            label = f"{cli_name(kind) if kind else found[1]}/{found[2]}"
            file = self.files.get(label)
            return (f"{display(file)}: {label}" if file else label), found[3] or ""
        return "", field_path


def _record_path(settings: Settings) -> Path:
    name = f"{safe_name(settings.config_addr)}__{safe_name(settings.workspace)}.json"
    return state_dir() / "sources" / name


def recall(settings: Settings) -> dict[str, str]:
    try:
        data = json.loads(_record_path(settings).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def remember(settings: Settings, sources: Sequence[Source]) -> None:
    """Best effort: a read-only home directory must not fail an apply."""
    files = recall(settings)
    files.update({s.label: str(Path(s.path).resolve()) for s in sources})
    path = _record_path(settings)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(files, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass
