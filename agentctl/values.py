"""Values as a person reads them: whole numbers without ".0" (google.protobuf.Value holds
every number as a float), and a changed multi-line string as a line-level unified diff."""

from __future__ import annotations

import difflib
import json
from typing import Any

from rich.text import Text

_LINE_STYLES = {"+": "green", "-": "red", "@": "cyan"}


def plain(value: Any) -> Any:
    """``value`` with every integral float (5000.0) as an int (5000), at any depth."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def as_json(value: Any, **options: Any) -> str:
    return json.dumps(plain(value), ensure_ascii=False, **options)


def is_long_text(old: Any, new: Any) -> bool:
    """Two strings worth a line-level diff: at least one of them spans lines."""
    return isinstance(old, str) and isinstance(new, str) and ("\n" in old or "\n" in new)


def line_diff(old: str, new: str, indent: str = "") -> list[Text]:
    """A unified diff of the lines (hunk headers and context included, no file headers),
    each line styled by its mark: + green, - red, @@ cyan."""
    lines = difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=2)
    return [Text(indent + line, style=_LINE_STYLES.get(line[:1], ""))
            for line in list(lines)[2:]]
