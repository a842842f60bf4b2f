"""Printing: ``--output json|yaml|table`` for every read command (table is Rich), and the
consoles. User text is always printed as ``Text`` so brackets are never read as markup."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from enum import StrEnum
from typing import Any

import typer
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from agentctl.files import dump

console = Console(highlight=False, soft_wrap=True)
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
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


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
