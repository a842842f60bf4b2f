"""Reading history: ``diff`` (Draft vs Production, or ``diff vA vB``), ``history``,
``show vN``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Group
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl import diffview
from agentctl.commands import conn, parse_version
from agentctl.commands.publishing import draft_diff
from agentctl.entities import entity_document
from agentctl.errors import Usage
from agentctl.output import (
    OUTPUT_OPTION,
    Output,
    as_dict,
    emit,
    row,
    short_hash,
    table,
    when,
)

ORIGINS = {cpb.VERSION_ORIGIN_TYPE_DRAFT: "draft", cpb.VERSION_ORIGIN_TYPE_RESTORED: "restored",
           cpb.VERSION_ORIGIN_TYPE_ROLLBACK: "rollback"}
VersionArg = Annotated[int, typer.Argument(metavar="vN", parser=parse_version)]


def origin(v: cpb.Version) -> str:
    word = ORIGINS.get(v.origin.type, "?")
    return f"{word} from v{v.origin.restored_from_version}" \
        if v.origin.restored_from_version else word


def version_data(v: cpb.Version) -> dict[str, Any]:
    data = as_dict(v)
    data["origin"] = origin(v)
    return data


def diff(ctx: typer.Context,
         versions: Annotated[list[str] | None, typer.Argument(
             metavar="[vA vB]", help="Two versions; none for Draft vs Production.")] = None,
         output: Output = OUTPUT_OPTION,
         exit_code: Annotated[bool, typer.Option(
             "--exit-code", help="Exit 1 when there are differences, 0 when none "
             "(as git diff does).")] = False) -> None:
    """Field-level diff of Draft vs Production, or of two versions."""
    c = conn(ctx)
    if not versions:
        answer, title = draft_diff(c)
        got = answer.diff
        extra = {"draft_revision": answer.draft_revision,
                 "production_version": answer.production_version}
    elif len(versions) == 2:
        old, new = (parse_version(v) for v in versions)
        got = c.call(c.stub.DiffVersions, cpb.DiffVersionsRequest(
            workspace_id=c.workspace, from_version=old, to_version=new)).diff
        title, extra = f"v{old} -> v{new}", {"from_version": old, "to_version": new}
    else:
        raise Usage("diff takes no version (Draft vs Production) or two: diff v1 v2")
    emit(extra | diffview.as_data(got), output, lambda: diffview.render(got, title))
    if exit_code and got.entries:
        raise typer.Exit(1)


def history(ctx: typer.Context,
            page_size: Annotated[int, typer.Option("--page-size", min=1, max=500)] = 20,
            page_token: Annotated[str, typer.Option("--page-token")] = "",
            output: Output = OUTPUT_OPTION) -> None:
    """Published versions, newest first, a page at a time."""
    c = conn(ctx)
    page = c.call(c.stub.ListVersions, cpb.ListVersionsRequest(
        workspace_id=c.workspace, page_size=page_size, page_token=page_token))
    production = c.call(c.stub.GetWorkspace, cpb.GetWorkspaceRequest(
        workspace_id=c.workspace)).workspace.production_version

    def draw() -> Group:
        t = table("VERSION", "AUTHOR", "MESSAGE", "CREATED (UTC)", "ORIGIN", "ENTITIES",
                  "HASH", caption="* production")
        for v in page.versions:
            live = v.number == production
            row(t, Text(f"v{v.number}{'*' if live else ''}", style="bold" if live else ""),
                v.author, v.message, when(v.create_time), origin(v), v.entity_count,
                short_hash(v.content_hash))
        parts: list[Any] = [t]
        if page.next_page_token:
            parts.append(Text(f"next page: --page-token {page.next_page_token}"))
        return Group(*parts)

    emit({"versions": [version_data(v) for v in page.versions],
          "production_version": production, "next_page_token": page.next_page_token},
         output, draw)


def show(ctx: typer.Context, version: VersionArg, output: Output = OUTPUT_OPTION) -> None:
    """A version's metadata and its entities."""
    c = conn(ctx)
    got = c.call(c.stub.GetVersion, cpb.GetVersionRequest(
        workspace_id=c.workspace, version=version, view=cpb.VERSION_VIEW_FULL))
    documents = [d for d in map(entity_document, got.snapshot.entities) if d]
    v = got.version

    def draw() -> Group:
        head = table("FIELD", "VALUE", title=f"v{v.number}")
        for name, value in (("author", v.author), ("message", v.message),
                            ("created", when(v.create_time)), ("origin", origin(v)),
                            ("previous", f"v{v.previous_version}" if v.previous_version
                             else "-"), ("entities", v.entity_count),
                            ("changed", v.changed_entity_count), ("hash", v.content_hash)):
            row(head, name, value)
        body = table("KIND", "ID", "NAME")
        for d in documents:
            row(body, d["kind"], d["id"], d["spec"].get("name", ""))
        return Group(head, body)

    emit({"version": version_data(v), "entities": documents}, output, draw)


def register(app: typer.Typer) -> None:
    app.command()(diff)
    app.command()(history)
    app.command()(show)

