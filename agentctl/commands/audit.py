"""``audit``: who published, rolled back, restored, changed channels, keys or settings,
newest first, a page at a time (admin)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from google.protobuf import json_format
from rich.console import Group
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.commands import conn
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, row, table, when
from agentctl.values import plain


def details_data(event: cpb.AuditEvent) -> dict[str, Any]:
    data: dict[str, Any] = plain(json_format.MessageToDict(event.details))
    return data


def details(event: cpb.AuditEvent) -> str:
    """``key=value`` pairs, values as JSON."""
    return " ".join(f"{k}={json.dumps(v, ensure_ascii=False, separators=(',', ':'))}"
                    for k, v in details_data(event).items())


def event_data(event: cpb.AuditEvent) -> dict[str, Any]:
    return as_dict(event) | {"details": details_data(event)}


def audit(ctx: typer.Context,
          page_size: Annotated[int, typer.Option("--page-size", min=1, max=500)] = 50,
          page_token: Annotated[str, typer.Option("--page-token")] = "",
          output: Output = OUTPUT_OPTION) -> None:
    """The workspace's audit log, newest first, a page at a time."""
    c = conn(ctx)
    page = c.call(c.stub.ListAuditEvents, cpb.ListAuditEventsRequest(
        workspace_id=c.workspace, page_size=page_size, page_token=page_token))

    def draw() -> Group:
        t = table("TIME (UTC)", "ACTOR", "ACTION", "TARGET", "PEER", "DETAILS")
        for e in page.events:
            row(t, when(e.event_time), e.actor, e.action, e.target, e.peer, details(e))
        parts: list[Any] = [t]
        if page.next_page_token:
            parts.append(Text(f"next page: --page-token {page.next_page_token}"))
        return Group(*parts)

    emit({"events": [event_data(e) for e in page.events],
          "next_page_token": page.next_page_token}, output, draw)


def register(app: typer.Typer) -> None:
    app.command()(audit)
