"""Printing: ``--output json|yaml|table`` for every read command (table is Rich), and the
consoles. User text is always printed as ``Text`` so brackets are never read as markup."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC
from enum import StrEnum
from typing import Any, TextIO

import typer
from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from agentctl.files import dump

UNBOUNDED = 100_000  # columns when piped: a table's values are never wrapped or cut


def _width(stream: TextIO) -> int | None:
    """None (Rich asks the terminal its real width) on a terminal; unbounded when piped."""
    return None if stream.isatty() else UNBOUNDED


console = Console(highlight=False, soft_wrap=True, width=_width(sys.stdout))
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Output(StrEnum):
    table = "table"
    json = "json"
    yaml = "yaml"


OUTPUT_OPTION = typer.Option(Output.table, "--output", "-o", case_sensitive=False,
                             help="table (default), json or yaml.")


def emit(data: Any, fmt: Output, render: Callable[[], RenderableType | None]) -> None:
    """Print ``data`` as JSON or YAML, or what ``render`` draws for a table."""
    if fmt == Output.json:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    elif fmt == Output.yaml:
        typer.echo(dump([data]).removeprefix("---\n"), nl=False)
    else:
        drawn = render()
        if drawn is not None:
            console.print(drawn)


def as_dict(message: Message) -> dict[str, Any]:
    """The proto3 JSON mapping, but 64-bit integers as numbers (the mapping writes them as
    strings), so ``draft_revision`` reads as ``production_version`` does."""
    return _int64_as_numbers(message.DESCRIPTOR,
                             json_format.MessageToDict(message, preserving_proto_field_name=True))


_INT64 = {FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT64,
          FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED64}


def _int64_as_numbers(descriptor: Any, data: dict[str, Any]) -> dict[str, Any]:
    for field in descriptor.fields:
        if field.name in data:
            data[field.name] = _field_value(field, data[field.name])
    return data


def _field_value(field: FieldDescriptor, value: Any) -> Any:
    if isinstance(value, list):
        return [_field_value(field, v) for v in value]
    if field.type in _INT64 and isinstance(value, str):
        return int(value)
    inner = field.message_type
    if inner is None or inner.full_name.startswith("google.protobuf.") \
            or not isinstance(value, dict):
        return value
    if inner.GetOptions().map_entry:
        entry = inner.fields_by_name["value"]
        return {k: _field_value(entry, v) for k, v in value.items()}
    return _int64_as_numbers(inner, value)


def short_hash(content_hash: str) -> str:
    """A hash's first 8 characters on a terminal; the whole hash when piped."""
    return content_hash[:8] if sys.stdout.isatty() else content_hash


def when(ts: Timestamp) -> str:
    if not ts.seconds and not ts.nanos:
        return ""
    return ts.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S")


def table(*columns: str, title: str | None = None, caption: str | None = None) -> Table:
    """Columns named in capitals; the first column and times (UTC) never wrap."""
    out = Table(title=title, caption=caption, title_justify="left", caption_justify="left",
                header_style="bold")
    for i, column in enumerate(columns):
        out.add_column(column, overflow="fold", no_wrap=i == 0 or "(UTC)" in column)
    return out


def row(t: Table, *cells: object) -> None:
    t.add_row(*(c if isinstance(c, Text) else Text(str(c)) for c in cells))


def say(text: str | Text, style: str = "") -> None:
    console.print(text if isinstance(text, Text) else Text(text, style=style))


def note(text: str | Text, style: str = "") -> None:
    """Progress and hints go to stderr so stdout stays what a script reads."""
    err_console.print(text if isinstance(text, Text) else Text(text, style=style))
