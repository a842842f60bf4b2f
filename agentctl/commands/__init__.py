"""The commands, one module per area. Each reads the Connection the global options build."""

from __future__ import annotations

import re

import typer

from agentconfig.kinds import Kind
from agentctl.client import Connection
from agentctl.entities import KIND_WORDS, kind_from_word
from agentctl.global_options import connection


def conn(ctx: typer.Context) -> Connection:
    return connection(ctx)


def parse_version(text: str) -> int:
    """``v3`` or ``3`` -> 3."""
    found = re.fullmatch(r"[vV]?(\d+)", text.strip())
    if not found or int(found[1]) < 1:
        raise typer.BadParameter(f"{text!r} is not a version (write v3 or 3)")
    return int(found[1])


def parse_kind(text: str) -> Kind:
    kind = kind_from_word(text)
    if kind is None:
        raise typer.BadParameter(f"{text!r} is not a kind (one of {KIND_WORDS}, or plurals)")
    return kind
