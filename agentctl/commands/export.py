"""``export``: the Draft, or a version, as YAML that ``apply -f`` takes back unchanged."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentctl.commands import conn, parse_version
from agentctl.entities import entity_document
from agentctl.errors import CliError
from agentctl.files import display, dump
from agentctl.output import note


def _snapshot(ctx: typer.Context, version: int | None) -> pb.Snapshot:
    c = conn(ctx)
    if version is None:
        return c.call(c.stub.GetDraftSnapshot,
                      cpb.GetDraftSnapshotRequest(workspace_id=c.workspace)).snapshot
    return c.call(c.stub.GetVersion, cpb.GetVersionRequest(
        workspace_id=c.workspace, version=version, view=cpb.VERSION_VIEW_FULL)).snapshot


def _write(directory: Path, documents: list[dict[str, Any]]) -> None:
    try:
        for doc in documents:
            path = directory / doc["kind"] / f"{doc['id']}.yaml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(dump([doc]), encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write under {display(directory)}: {exc.strerror or exc}") \
            from None


def export(ctx: typer.Context,
           version: Annotated[str | None, typer.Option(
               "--version", metavar="N", help="A published version (default: the Draft).",
           )] = None,
           directory: Annotated[Path | None, typer.Option(
               "--dir", "-d", file_okay=False,
               help="Write one file per entity, KIND/ID.yaml, under this directory.")] = None,
           ) -> None:
    """Write the Draft (or --version N) as YAML: to stdout, or one file per entity."""
    number = parse_version(version) if version is not None else None
    snapshot = _snapshot(ctx, number)
    documents = [d for d in map(entity_document, snapshot.entities) if d]
    source = f"v{number}" if number else f"the Draft (revision {snapshot.draft_revision})"
    if directory is None:
        typer.echo(dump(documents), nl=False)
        note(f"exported {len(documents)} entities of {source}")
        return
    _write(directory, documents)
    note(f"exported {len(documents)} entities of {source} to {display(directory)}/")


def register(app: typer.Typer) -> None:
    app.command()(export)
