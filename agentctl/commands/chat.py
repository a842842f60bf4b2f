"""``chat AGENT_OR_SQUAD``: the internal chat through the runtime service, against the Draft
(default) or a stored version. One turn with ``-m``, else a loop on stdin ("you> "; a blank
line or Ctrl-D ends it). One conversation id per session; the turn counts up."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Annotated

import typer
from google.protobuf.struct_pb2 import Struct

from agentconfig.kinds import entity_to_parts
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentctl.chatview import render_trace
from agentctl.client import Connection
from agentctl.commands import conn, parse_version
from agentctl.errors import NotFound, Usage
from agentctl.output import console, note


def is_squad(c: Connection, target: str, version: int | None) -> bool:
    """Whether the Draft (or the version) holds a squad with this id."""
    if version is not None:
        snapshot = c.call(c.stub.GetVersion, cpb.GetVersionRequest(
            workspace_id=c.workspace, version=version, view=cpb.VERSION_VIEW_FULL)).snapshot
        return any((parts := entity_to_parts(e)) is not None and parts[0].name == "squad"
                   and e.id == target for e in snapshot.entities)
    try:
        c.call(c.stub.GetDraftEntity, cpb.GetDraftEntityRequest(
            workspace_id=c.workspace, kind=pb.ENTITY_KIND_SQUAD, entity_id=target))
    except NotFound as exc:
        if "ENTITY_NOT_FOUND" not in exc.message:
            raise  # the workspace itself is missing
        return False
    return True


def variables(pairs: list[str]) -> Struct:
    out = Struct()
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise Usage(f"--var {pair!r}: write key=value")
        out[key.strip()] = value
    return out


def messages(one: str | None) -> Iterator[str]:
    """The one ``-m`` message, or lines typed at the prompt until a blank line or EOF."""
    if one is not None:
        yield one
        return
    while True:
        try:
            line = input("you> ")
        except EOFError:
            print()
            return
        if not line.strip():
            return
        yield line


def chat(ctx: typer.Context,
         target: Annotated[str, typer.Argument(metavar="AGENT_OR_SQUAD")],
         message: Annotated[str | None, typer.Option(
             "--message", "-m", help="Send one message and exit (no prompt).")] = None,
         version: Annotated[str | None, typer.Option(
             "--version", metavar="N", help="A stored version (default: the Draft).")] = None,
         squad: Annotated[bool, typer.Option("--squad", help="The target is a squad.")] = False,
         agent: Annotated[bool, typer.Option("--agent", help="The target is an agent.")] = False,
         tags: Annotated[list[str] | None, typer.Option("--tag", help="A context tag.")] = None,
         locale: Annotated[str, typer.Option("--locale")] = "",
         channel_type: Annotated[str, typer.Option(
             "--channel-type", help="e.g. whatsapp, web_widget.")] = "",
         var: Annotated[list[str] | None, typer.Option(
             "--var", metavar="KEY=VALUE", help="A context variable (a string).")] = None,
         trace: Annotated[bool, typer.Option("--trace", help="Print each turn's trace.")] = False,
         ) -> None:
    """Talk to an agent or a squad of the Draft (or --version N) through the runtime."""
    if squad and agent:
        raise Usage("--squad and --agent: give one, not both")
    c = conn(ctx)
    number = parse_version(version) if version is not None else None
    as_squad = squad or (not agent and is_squad(c, target, number))
    request = rpb.ChatRequest(
        workspace_id=c.workspace, target_id=target,
        target_kind=pb.ENTITY_KIND_SQUAD if as_squad else pb.ENTITY_KIND_AGENT,
        source=rpb.CHAT_SOURCE_DRAFT if number is None else rpb.CHAT_SOURCE_VERSION,
        version=number or 0, conversation_id=uuid.uuid4().hex)
    request.context.tags.extend(tags or [])
    request.context.locale, request.context.channel_type = locale, channel_type
    request.context.variables.CopyFrom(variables(var or []))
    if message is None:
        source = "the Draft" if number is None else f"v{number}"
        note(f"chatting with {'squad' if as_squad else 'agent'} {target} of {source}; "
             "a blank line or Ctrl-D ends")
    for turn, text in enumerate(messages(message), start=1):
        request.message, request.context.message, request.context.turn = text, text, turn
        answer = c.runtime_call(c.runtime.Chat, request)
        typer.echo(answer.reply)
        if trace:
            console.print(render_trace(answer.trace))


def register(app: typer.Typer) -> None:
    app.command()(chat)
