"""``workspace create ID``, ``workspace list`` and ``workspace settings``."""

from __future__ import annotations

from typing import Annotated

import typer
from google.protobuf import field_mask_pb2
from rich.table import Table

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.commands import conn
from agentctl.errors import Usage
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, row, say, table, when

app = typer.Typer(no_args_is_help=True,
                  help="Create and list workspaces; show or change their settings.")


@app.command("create")
def create(ctx: typer.Context, workspace_id: Annotated[str, typer.Argument(metavar="ID")],
           name: Annotated[str, typer.Option("--name", help="Display name.")] = "") -> None:
    """Create a workspace (2-63 characters: lowercase letters, digits and '-')."""
    c = conn(ctx)
    created = c.call(c.stub.CreateWorkspace, cpb.CreateWorkspaceRequest(
        workspace_id=workspace_id, display_name=name)).workspace
    say(f"created workspace {created.workspace_id}")


@app.command("list")
def list_(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """List the workspaces."""
    rows = conn(ctx).workspaces()

    def draw() -> Table:
        t = table("ID", "NAME", "DRAFT REV", "PRODUCTION", "LATEST", "CREATED (UTC)")
        for w in rows:
            row(t, w.workspace_id, w.display_name, w.draft_revision,
                f"v{w.production_version}" if w.production_version else "-",
                f"v{w.latest_version}" if w.latest_version else "-", when(w.create_time))
        return t

    emit([as_dict(w) for w in rows], output, draw)


@app.command("settings")
def settings(
    ctx: typer.Context,
    two_person_rule: Annotated[bool | None, typer.Option(
        "--two-person-rule/--no-two-person-rule", show_default=False,
        help="Refuse a publish by whoever last edited what it publishes.")] = None,
    require_passing_tests: Annotated[bool | None, typer.Option(
        "--require-passing-tests/--no-require-passing-tests", show_default=False,
        help="The publish gate: publish only a Draft revision the test suite passed on.",
    )] = None,
    live_tools: Annotated[list[str] | None, typer.Option(
        "--live-tool", metavar="ID", show_default=False,
        help="A tool or MCP server the internal chat may call for real (repeat; replaces "
        "the list).")] = None,
    no_live_tools: Annotated[bool, typer.Option(
        "--no-live-tools", help="The internal chat calls nothing for real (mocks only).",
    )] = False,
    output: Output = OUTPUT_OPTION,
) -> None:
    """Show the workspace's settings, or change them (admin)."""
    c = conn(ctx)
    ws = c.call(c.stub.GetWorkspace, cpb.GetWorkspaceRequest(workspace_id=c.workspace)).workspace
    if live_tools and no_live_tools:
        raise Usage("--live-tool and --no-live-tools: give one, not both")
    changes = (two_person_rule, require_passing_tests, live_tools or None)
    if any(v is not None for v in changes) or no_live_tools:
        wanted = cpb.WorkspaceSettings()
        mask = field_mask_pb2.FieldMask()  # only what is being changed
        if two_person_rule is not None:
            wanted.two_person_rule = two_person_rule
            mask.paths.append("two_person_rule")
        if require_passing_tests is not None:
            wanted.require_passing_tests = require_passing_tests
            mask.paths.append("require_passing_tests")
        if live_tools or no_live_tools:
            wanted.live_tool_ids.extend(live_tools or [])
            mask.paths.append("live_tool_ids")
        ws = c.call(c.stub.UpdateWorkspaceSettings, cpb.UpdateWorkspaceSettingsRequest(
            workspace_id=c.workspace, settings=wanted, update_mask=mask)).workspace
    data = {"workspace_id": ws.workspace_id,
            "settings": as_dict(ws.settings) | {"two_person_rule": ws.settings.two_person_rule}}

    def draw() -> Table:
        t = table("SETTING", "VALUE", title=f"workspace {ws.workspace_id}")
        row(t, "two-person rule", "on" if ws.settings.two_person_rule else "off")
        row(t, "require passing tests", "on" if ws.settings.require_passing_tests else "off")
        row(t, "live tools", ", ".join(ws.settings.live_tool_ids) or "none (mocks only)")
        return t

    emit(data, output, draw)
