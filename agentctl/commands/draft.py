"""Editing and reading the Draft: ``apply -f``, ``get``, ``delete``, ``validate``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.table import Table
from rich.text import Text

from agentconfig.kinds import Kind
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentctl.commands import conn, parse_kind
from agentctl.diffview import entity_label
from agentctl.entities import entity_document, kind_enum
from agentctl.errors import Invalid, Violation
from agentctl.files import load
from agentctl.locate import Locator, remember
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, note, row, say, table, when
from agentctl.values import as_json

ACTIONS = {cpb.CHANGE_ACTION_CREATED: ("created", "green"),
           cpb.CHANGE_ACTION_UPDATED: ("updated", "yellow"),
           cpb.CHANGE_ACTION_UNCHANGED: ("unchanged", "dim"),
           cpb.CHANGE_ACTION_DELETED: ("deleted", "red")}
KindArg = Annotated[Kind, typer.Argument(metavar="KIND", parser=parse_kind,
                                         help="agent, squad, tool, mcp-server, voice, "
                                              "component or conditional-prompt (or plural).")]


def apply(ctx: typer.Context,
          paths: Annotated[list[Path], typer.Option(
              "--filename", "-f", exists=True, help="A YAML file or a directory (recursive); "
              "repeatable.")],
          dry_run: Annotated[bool, typer.Option(
              "--dry-run", help="Check and report; write nothing.")] = False) -> None:
    """Create or replace every entity in the files, in one atomic change of the Draft."""
    c = conn(ctx)
    sources = load(paths)
    if not sources:
        raise Invalid(f"no entities found in {', '.join(map(str, paths))}")
    c.locator = Locator(c.locator.files, sources)
    answer = c.call(c.stub.ApplyDraftEntities, cpb.ApplyDraftEntitiesRequest(
        workspace_id=c.workspace, entities=[s.entity for s in sources], validate_only=dry_run))
    by_label = {s.label: s.path for s in sources}
    for change in answer.changes:
        word, style = ACTIONS.get(change.action, ("?", ""))
        label = entity_label(change.kind, change.entity_id)
        line = Text(f"{label} ", style="bold")
        line.append(f"{word}{' (dry run)' if dry_run else ''}", style=style)
        line.append(f"  {by_label.get(label, '')}", style="dim")
        say(line)
    counts = [ACTIONS[a][0] for a in (c.action for c in answer.changes) if a in ACTIONS]
    summary = ", ".join(f"{counts.count(w)} {w}" for w in ("created", "updated", "unchanged")
                        if counts.count(w))
    if dry_run:
        note(f"dry run: nothing written ({summary})")
        return
    remember(c.settings, sources)
    note(f"{summary}; Draft revision {answer.draft_revision}")


def _entity_data(e: pb.DraftEntity) -> dict[str, Any]:
    doc = entity_document(e.entity) or {}
    meta = as_dict(e)
    meta.pop("entity", None)
    return doc | {"metadata": meta}


def get(ctx: typer.Context, kind: KindArg,
        entity_id: Annotated[str | None, typer.Argument(metavar="ID")] = None,
        output: Output = OUTPUT_OPTION) -> None:
    """List the Draft's entities of a kind, or show one."""
    c = conn(ctx)
    if entity_id is None:
        rows = c.draft_entities(kind_enum(kind))

        def draw() -> Table:
            t = table("KIND", "ID", "NAME", "UPDATED BY", "UPDATED (UTC)")
            for e in rows:
                spec = getattr(e.entity, kind.name)
                name = getattr(spec, "name", "") or getattr(spec, "voice_name", "")
                row(t, kind.name.replace("_", "-"), e.entity.id, name, e.updated_by,
                    when(e.update_time))
            return t

        emit([_entity_data(e) for e in rows], output, draw)
        return
    found = c.call(c.stub.GetDraftEntity, cpb.GetDraftEntityRequest(
        workspace_id=c.workspace, kind=kind_enum(kind), entity_id=entity_id)).entity
    data = _entity_data(found)
    emit(data, output, lambda: _entity_table(data))


def _entity_table(data: dict[str, Any]) -> Group:
    t = table("FIELD", "VALUE")
    for name, value in data["spec"].items():
        row(t, name, value if isinstance(value, str) else as_json(value))
    meta = data["metadata"]
    head = Text(f"{data['kind']}/{data['id']}", style="bold")
    head.append(f"  updated by {meta.get('updated_by', '?')}  etag {meta.get('etag', '')}",
                style="dim")
    return Group(head, t)


def delete(ctx: typer.Context, kind: KindArg,
           entity_id: Annotated[str, typer.Argument(metavar="ID")]) -> None:
    """Remove an entity from the Draft (reads its etag, then deletes)."""
    c = conn(ctx)
    current = c.call(c.stub.GetDraftEntity, cpb.GetDraftEntityRequest(
        workspace_id=c.workspace, kind=kind_enum(kind), entity_id=entity_id)).entity
    revision = c.call(c.stub.DeleteDraftEntity, cpb.DeleteDraftEntityRequest(
        workspace_id=c.workspace, kind=kind_enum(kind), entity_id=entity_id,
        etag=current.etag)).draft_revision
    say(f"deleted {kind.name.replace('_', '-')}/{entity_id} (Draft revision {revision})")


def validate(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """Check the whole Draft; print every problem with file, entity and field path."""
    c = conn(ctx)
    report = c.call(c.stub.ValidateDraft, cpb.ValidateDraftRequest(workspace_id=c.workspace))
    problems = [Violation(*c.locator(v.field), v.description, v.reason)
                for v in report.violations]
    data = {"valid": report.valid, "draft_revision": report.draft_revision,
            "violations": [{"where": p.where, "field": p.field, "description": p.description,
                            "reason": p.reason} for p in problems]}

    def draw() -> Text:
        if report.valid:
            return Text(f"The Draft is valid (revision {report.draft_revision}).",
                        style="green")
        return Text("\n".join(p.line() for p in problems))

    emit(data, output, draw)
    if not report.valid:
        raise Invalid(f"the Draft (revision {report.draft_revision}) does not validate: "
                      f"{len(problems)} problem{'s' if len(problems) != 1 else ''}")


def register(app: typer.Typer) -> None:
    app.command()(apply)
    app.command()(get)
    app.command()(delete)
    app.command()(validate)
