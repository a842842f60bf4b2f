"""``chat AGENT_OR_SQUAD``: the internal chat through the runtime service, against the Draft
(default) or a stored version. Each ``-m`` is a turn; without one, a loop on stdin ("you> ";
a blank line or Ctrl-D ends it). The turns of one run are one conversation, and
``--conversation ID`` continues one (on the runtime replica that holds it: history and a
squad's current speaker). ``--mock TOOL=JSON`` answers a tool's calls; ``--stream`` prints
hand-offs and tool calls as they happen and the reply as it comes."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Annotated

import grpc
import typer
from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct

from agentconfig.kinds import entity_to_parts
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentctl import tls
from agentctl.chatview import render_trace, show_event
from agentctl.client import TIMEOUT_SECONDS, Connection
from agentctl.commands import conn, parse_version
from agentctl.errors import NotFound, Usage, from_rpc
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


def _pair(option: str, pair: str, value_name: str) -> tuple[str, str]:
    tool, sep, value = pair.partition("=")
    if not sep or not tool.strip():
        raise Usage(f"{option} {pair!r}: write TOOL={value_name}")
    return tool.strip(), value


def mocks(results: list[str], errors: list[str]) -> list[rpb.ToolMock]:
    """``TOOL=JSON`` results and ``TOOL=MESSAGE`` errors."""
    out = []
    for pair in results:
        tool, value = _pair("--mock", pair, "JSON")
        mock = rpb.ToolMock(tool=tool)
        try:
            json_format.ParseDict(json.loads(value), mock.result)
        except (ValueError, json_format.ParseError) as exc:
            raise Usage(f"--mock {pair!r}: the result is not JSON ({exc})") from None
        out.append(mock)
    for pair in errors:
        tool, value = _pair("--mock-error", pair, "MESSAGE")
        out.append(rpb.ToolMock(tool=tool, error=value))
    return out


def messages(given: list[str]) -> Iterator[str]:
    """The ``-m`` messages, or lines typed at the prompt until a blank line or EOF."""
    if given:
        yield from given
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


def streamed(c: Connection, request: rpb.ChatRequest) -> rpb.ChatResponse:
    """StreamChat: events to stderr as they happen, the reply to stdout as it comes."""
    answer = rpb.ChatResponse()
    try:
        for event in c.runtime.StreamChat(rpb.StreamChatRequest(chat=request),
                                          metadata=c.metadata(), timeout=TIMEOUT_SECONDS):
            answer = show_event(event) or answer
    except grpc.RpcError as exc:
        raise from_rpc(exc, c.settings.runtime_addr, service="runtime service",
                       tls=tls.enabled(c.settings)) from None
    return answer


def chat(ctx: typer.Context,
         target: Annotated[str, typer.Argument(metavar="AGENT_OR_SQUAD")],
         message: Annotated[list[str] | None, typer.Option(
             "--message", "-m", help="A turn to send (repeat for more); no prompt.")] = None,
         version: Annotated[str | None, typer.Option(
             "--version", metavar="N", help="A stored version (default: the Draft).")] = None,
         squad: Annotated[bool, typer.Option("--squad", help="The target is a squad.")] = False,
         agent: Annotated[bool, typer.Option("--agent", help="The target is an agent.")] = False,
         conversation: Annotated[str | None, typer.Option(
             "--conversation", metavar="ID", help="Continue this conversation.")] = None,
         mock: Annotated[list[str] | None, typer.Option(
             "--mock", metavar="TOOL=JSON", help="Answer TOOL's calls with this result "
             "(TOOL: a tool id, or MCP_SERVER/TOOL).")] = None,
         mock_error: Annotated[list[str] | None, typer.Option(
             "--mock-error", metavar="TOOL=MESSAGE", help="Answer TOOL's calls with an "
             "error.")] = None,
         stream: Annotated[bool, typer.Option(
             "--stream", help="Print hand-offs, tool calls and the reply as they happen.",
         )] = False,
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
        version=number or 0, conversation_id=conversation or uuid.uuid4().hex,
        mocks=mocks(mock or [], mock_error or []))
    request.context.tags.extend(tags or [])
    request.context.locale, request.context.channel_type = locale, channel_type
    request.context.variables.CopyFrom(variables(var or []))
    if not message:
        source = "the Draft" if number is None else f"v{number}"
        note(f"chatting with {'squad' if as_squad else 'agent'} {target} of {source}; "
             "a blank line or Ctrl-D ends")
    for turn, text in enumerate(messages(message or []), start=1):
        # a continued conversation's turn number is the runtime's to count
        request.message, request.context.message = text, text
        request.context.turn = 0 if conversation else turn
        if stream:
            answer = streamed(c, request)
        else:
            answer = c.runtime_call(c.runtime.Chat, request)
            typer.echo(answer.reply)
        if trace:
            console.print(render_trace(answer.trace))
    if message and not conversation:
        note(f"conversation {request.conversation_id} (continue it with --conversation)",
             "dim")


def register(app: typer.Typer) -> None:
    app.command()(chat)
