"""Recorded conversations and turns as the API shows them, whichever log holds them (the
database, or memory when there is none)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format, timestamp_pb2

from agentconfig.kinds import kind_by_name
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.service.ports import Turn

SOURCES = {"channel": rpb.CONVERSATION_SOURCE_CHANNEL, "chat": rpb.CONVERSATION_SOURCE_CHAT}
SOURCE_NAMES = {v: k for k, v in SOURCES.items()}


def utc(value: datetime) -> datetime:
    """SQLite gives back naive datetimes; every time written is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def micros(value: datetime) -> int:
    """A page cursor's time: exact, unlike a float."""
    delta = utc(value) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def timestamp(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(utc(value))
    return out


def conversation(row: Any) -> rpb.Conversation:
    """From anything with the columns of runtime_conversations as attributes."""
    kind = kind_by_name(row.target_kind)
    return rpb.Conversation(
        workspace_id=row.workspace_id, conversation_id=row.conversation_id,
        source=SOURCES.get(row.source, rpb.CONVERSATION_SOURCE_UNSPECIFIED),
        channel_id=row.channel_id,
        target_kind=pb.EntityKind.ValueType(kind.enum if kind else 0),
        target_id=row.target_id, version=row.version, current_agent_id=row.current_agent_id,
        turn_count=row.turns, start_time=timestamp(row.started_at),
        last_turn_time=timestamp(row.last_turn_at))


def turn(index: int, t: Turn) -> rpb.ConversationTurn:
    reason = rpb.ServeReason.ValueType(
        t.reason or (rpb.SERVE_REASON_CHAT if t.source == "chat" else 0))
    return rpb.ConversationTurn(
        index=index, user_message=t.user_message, reply=t.reply, agent_id=t.agent_id,
        handoff_rule_index=t.handoff_rule_index,
        matched_conditional_prompt_ids=t.matched_conditional_prompt_ids,
        tool_calls=t.tool_calls, create_time=timestamp(t.at), context=t.context,
        served_from=rpb.ServedFrom(workspace_id=t.workspace_id, version=t.version,
                                   content_hash=t.content_hash,
                                   draft_revision=t.draft_revision,
                                   reason=reason))


def turn_from_row(row: Any) -> Turn:
    """A turn as runtime_executions holds it."""
    return Turn(row.conversation_id, row.workspace_id, row.channel_id, row.source,
                row.agent_id, row.version, row.content_hash, row.draft_revision,
                row.created_at, row.user_message, row.reply, row.handoff_rule_index,
                tuple(row.matched_prompt_ids or ()),
                tuple(json_format.ParseDict(c, rpb.ToolInvocation(), ignore_unknown_fields=True)
                      for c in row.tool_calls or ()),
                reason=row.reason, context=_context(row.context))


def _context(found: dict[str, Any] | None) -> rpb.ConversationContext | None:
    """NULL (a turn recorded before contexts were kept, or a channel turn): none."""
    if found is None:
        return None
    return json_format.ParseDict(found, rpb.ConversationContext(), ignore_unknown_fields=True)
