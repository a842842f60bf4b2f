"""``status``: the production version of a workspace (or of every workspace), what the
runtime at --runtime-addr answers with, and the rollout across every reporting replica."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Group, RenderableType
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentctl import rollout
from agentctl.client import Connection
from agentctl.commands import conn
from agentctl.errors import CliError
from agentctl.output import OUTPUT_OPTION, Output, emit


def probe(c: Connection, workspace_id: str, content_hash: str) -> dict[str, Any]:
    """Ask the runtime at --runtime-addr what it serves. A replica loads a workspace on its
    first request and reports it from then on, so this also brings it into the rollout."""
    address = c.settings.runtime_addr
    try:
        answer = c.runtime_call(c.runtime.GetProductionSnapshot, rpb.GetProductionSnapshotRequest(
            workspace_id=workspace_id, if_none_match=content_hash))
    except CliError as exc:
        return {"address": address, "error": exc.message}
    return {"address": address, "version": answer.served_from.version,
            "content_hash": answer.served_from.content_hash}


def workspace_status(c: Connection, workspace: cpb.Workspace, check_runtime: bool,
                     ) -> dict[str, Any]:
    out: dict[str, Any] = {"workspace_id": workspace.workspace_id,
                           "production_version": workspace.production_version}
    if workspace.production_version and check_runtime:
        production = c.call(c.stub.GetProduction, cpb.GetProductionRequest(
            workspace_id=workspace.workspace_id, view=cpb.VERSION_VIEW_BASIC)).version
        out["runtime"] = probe(c, workspace.workspace_id, production.content_hash)
    out["rollout"] = rollout.fetch(c, workspace.workspace_id)
    return out


def runtime_line(found: dict[str, Any], production: int) -> Text:
    line = Text(f"runtime {found['address']}: ")
    if "error" in found:
        return line.append(found["error"], style="red")
    style = "green" if found["version"] == production else "yellow"
    return line.append(f"serves v{found['version']} ({found['content_hash'][:12]})", style)


def render(rows: list[dict[str, Any]]) -> RenderableType:
    parts: list[RenderableType] = []
    for r in rows:
        parts.append(rollout.render(r["rollout"], r["workspace_id"]))
        if "runtime" in r:
            parts.append(runtime_line(r["runtime"], r["production_version"]))
        parts.append(Text(""))
    return Group(*parts[:-1]) if parts else Text("No workspaces.")


def status(ctx: typer.Context,
           check_runtime: Annotated[bool, typer.Option(
               "--runtime/--no-runtime",
               help="Also ask the runtime at --runtime-addr what it serves (default).",
           )] = True,
           output: Output = OUTPUT_OPTION) -> None:
    """Production version and rollout per workspace: the -w one, or every workspace."""
    c = conn(ctx)
    if c.settings.workspace:
        workspaces = [c.call(c.stub.GetWorkspace, cpb.GetWorkspaceRequest(
            workspace_id=c.workspace)).workspace]
    else:
        workspaces = c.workspaces()
    rows = [workspace_status(c, w, check_runtime) for w in workspaces]
    emit([r | {"rollout": rollout.data(r["rollout"])} for r in rows], output,
         lambda: render(rows))


def register(app: typer.Typer) -> None:
    app.command()(status)
