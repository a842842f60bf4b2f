"""``channels list|create|update|delete``: live data, bound to an agent or a squad; never
versioned, never touched by publish or rollback."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.table import Table

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentctl.client import Connection
from agentctl.commands import conn
from agentctl.errors import Usage
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, row, say, table, when

app = typer.Typer(no_args_is_help=True, help="Manage channels (live data).")


class ChannelType(StrEnum):
    whatsapp = "whatsapp"
    instagram = "instagram"
    web_widget = "web_widget"
    api = "api"


TYPES: dict[ChannelType, cpb.ChannelType.ValueType] = {
    t: getattr(cpb, f"CHANNEL_TYPE_{t.name.upper()}") for t in ChannelType}
TYPE_NAMES = {v: k.value for k, v in TYPES.items()}
TARGETS = {pb.ENTITY_KIND_AGENT: "agent", pb.ENTITY_KIND_SQUAD: "squad"}

AgentOpt = Annotated[str | None, typer.Option("--agent", help="Bind to this agent.")]
SquadOpt = Annotated[str | None, typer.Option("--squad", help="Bind to this squad.")]
NameOpt = Annotated[str | None, typer.Option("--name", help="Display name.")]
IdArg = Annotated[str, typer.Argument(metavar="ID")]


def _target(agent: str | None, squad: str | None,
            ) -> tuple[pb.EntityKind.ValueType, str] | None:
    if agent and squad:
        raise Usage("pass --agent or --squad, not both")
    if agent:
        return pb.ENTITY_KIND_AGENT, agent
    if squad:
        return pb.ENTITY_KIND_SQUAD, squad
    return None


def _print(verb: str, ch: cpb.Channel) -> None:
    say(f"{verb} channel {ch.channel_id} ({TYPE_NAMES.get(ch.type, '?')}) -> "
        f"{TARGETS.get(ch.target_kind, '?')}/{ch.target_id}")


def _data(ch: cpb.Channel) -> dict[str, object]:
    data: dict[str, object] = as_dict(ch)
    data["type"] = TYPE_NAMES.get(ch.type, "")
    data["target_kind"] = TARGETS.get(ch.target_kind, "")
    return data


@app.command("list")
def list_(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """List the workspace's channels and what each is bound to."""
    rows = conn(ctx).channels()

    def draw() -> Table:
        t = table("ID", "NAME", "TYPE", "TARGET", "UPDATED (UTC)")
        for ch in rows:
            row(t, ch.channel_id, ch.display_name, TYPE_NAMES.get(ch.type, "?"),
                f"{TARGETS.get(ch.target_kind, '?')}/{ch.target_id}", when(ch.update_time))
        return t

    emit([_data(ch) for ch in rows], output, draw)


@app.command("create")
def create(ctx: typer.Context, channel_id: IdArg,
           type_: Annotated[ChannelType, typer.Option("--type", case_sensitive=False)],
           agent: AgentOpt = None, squad: SquadOpt = None, name: NameOpt = None) -> None:
    """Create a channel bound to an agent (--agent ID) or a squad (--squad ID)."""
    target = _target(agent, squad)
    if target is None:
        raise Usage("pass --agent ID or --squad ID")
    c = conn(ctx)
    channel = cpb.Channel(channel_id=channel_id, display_name=name or "", type=TYPES[type_],
                          target_kind=target[0], target_id=target[1])
    _print("created", c.call(c.stub.CreateChannel, cpb.CreateChannelRequest(
        workspace_id=c.workspace, channel=channel)).channel)


def _current(c: Connection, channel_id: str) -> cpb.Channel:
    return c.call(c.stub.GetChannel, cpb.GetChannelRequest(
        workspace_id=c.workspace, channel_id=channel_id)).channel


@app.command("update")
def update(ctx: typer.Context, channel_id: IdArg,
           type_: Annotated[ChannelType | None, typer.Option("--type", case_sensitive=False)]
           = None, agent: AgentOpt = None, squad: SquadOpt = None, name: NameOpt = None,
           ) -> None:
    """Change a channel's name, type or target (reads its etag first)."""
    target = _target(agent, squad)
    c = conn(ctx)
    channel = _current(c, channel_id)
    if type_ is not None:
        channel.type = TYPES[type_]
    if target is not None:
        channel.target_kind, channel.target_id = target
    if name is not None:
        channel.display_name = name
    _print("updated", c.call(c.stub.UpdateChannel, cpb.UpdateChannelRequest(
        workspace_id=c.workspace, channel=channel)).channel)


@app.command("delete")
def delete(ctx: typer.Context, channel_id: IdArg) -> None:
    """Delete a channel (reads its etag first)."""
    c = conn(ctx)
    etag = _current(c, channel_id).etag
    c.call(c.stub.DeleteChannel, cpb.DeleteChannelRequest(
        workspace_id=c.workspace, channel_id=channel_id, etag=etag))
    say(f"deleted channel {channel_id}")
