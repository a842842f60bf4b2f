"""``conversations list|show``: the conversations a runtime recorded (live data: channel
traffic and internal chats), newest first, and one with every turn: who answered, which
hand-off rule fired, which version served it and why (viewer)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Group
from rich.text import Text

from agentconfig.kinds import kind_by_enum
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentctl.commands import conn, parse_version
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, row, table, when

app = typer.Typer(help="Conversations the runtime recorded (live data), newest first.",
                  no_args_is_help=True)
SOURCES = {"all": rpb.CONVERSATION_SOURCE_UNSPECIFIED, "channel": rpb.CONVERSATION_SOURCE_CHANNEL,
           "chat": rpb.CONVERSATION_SOURCE_CHAT}
REASONS = {rpb.SERVE_REASON_PRODUCTION: "production", rpb.SERVE_REASON_PINNED: "pinned",
           rpb.SERVE_REASON_CHAT: "chat"}


def _where(c: rpb.Conversation) -> str:
    if c.channel_id:
        return f"channel {c.channel_id}"
    kind = kind_by_enum(c.target_kind)
    return f"chat {kind.name if kind else '?'} {c.target_id}".rstrip()


def _served(served: rpb.ServedFrom) -> str:
    what = f"v{served.version}" if served.version else f"draft r{served.draft_revision}"
    reason = REASONS.get(served.reason)
    return f"{what} ({reason})" if reason else what


@app.command("list")
def list_conversations(
        ctx: typer.Context,
        channel: Annotated[str, typer.Option("--channel", help="Only this channel's.")] = "",
        agent: Annotated[str, typer.Option("--agent",
                                           help="Only those in which it answered.")] = "",
        version: Annotated[str, typer.Option("--version",
                                             help="Only those started on it (v3).")] = "",
        source: Annotated[str, typer.Option("--source", help="all, channel or chat.")] = "all",
        page_size: Annotated[int, typer.Option("--page-size", min=1, max=500)] = 50,
        page_token: Annotated[str, typer.Option("--page-token")] = "",
        output: Output = OUTPUT_OPTION) -> None:
    """The workspace's conversations, newest first, a page at a time."""
    if source not in SOURCES:
        raise typer.BadParameter(f"{source!r} is not one of {', '.join(SOURCES)}")
    c = conn(ctx)
    page = c.runtime_call(c.runtime.ListConversations, rpb.ListConversationsRequest(
        workspace_id=c.workspace, channel_id=channel, agent_id=agent,
        version=parse_version(version) if version else 0, source=SOURCES[source],
        page_size=page_size, page_token=page_token))

    def draw() -> Group:
        t = table("CONVERSATION", "WHERE", "VERSION", "AGENT", "TURNS", "STARTED (UTC)",
                  "LAST TURN (UTC)")
        for x in page.conversations:
            row(t, x.conversation_id, _where(x), f"v{x.version}" if x.version else "draft",
                x.current_agent_id, str(x.turn_count), when(x.start_time),
                when(x.last_turn_time))
        parts: list[Any] = [t]
        if page.next_page_token:
            parts.append(Text(f"next page: --page-token {page.next_page_token}"))
        return Group(*parts)

    emit({"conversations": [as_dict(x) for x in page.conversations],
          "next_page_token": page.next_page_token}, output, draw)


@app.command("show")
def show(ctx: typer.Context,
         conversation_id: Annotated[str, typer.Argument(help="The conversation's id.")],
         output: Output = OUTPUT_OPTION) -> None:
    """One conversation with every turn, oldest first."""
    c = conn(ctx)
    found = c.runtime_call(c.runtime.GetConversation, rpb.GetConversationRequest(
        workspace_id=c.workspace, conversation_id=conversation_id)).conversation

    def draw() -> Group:
        started = f"v{found.version}" if found.version else "the Draft"
        head = Text(f"{found.conversation_id}: {_where(found)}, started on {started}, "
                    f"{found.turn_count} turns, current agent {found.current_agent_id}")
        t = table("#", "TIME (UTC)", "AGENT", "HAND-OFF", "PROMPTS", "SERVED FROM", "MESSAGE",
                  "REPLY")
        for turn in found.turns:
            row(t, str(turn.index), when(turn.create_time), turn.agent_id,
                f"rule {turn.handoff_rule_index}" if turn.handoff_rule_index >= 0 else "",
                ", ".join(turn.matched_conditional_prompt_ids), _served(turn.served_from),
                turn.user_message, turn.reply)
        return Group(head, t)

    emit(as_dict(found), output, draw)
