"""The conversation context that conditions see (CEL variables), built from the request."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from agentconfig.conditions import full_context
from agentconfig.v1 import runtime_service_pb2 as rpb


def context_dict(ctx: rpb.ConversationContext, channel_id: str = "",
                 channel_type: str = "") -> dict[str, Any]:
    """The request's context as conditions see it (every variable present: see
    agentconfig.conditions.full_context)."""
    return full_context({
        "channel": {"id": channel_id, "type": channel_type or ctx.channel_type},
        "locale": ctx.locale,
        "tags": ctx.tags,
        "variables": json_format.MessageToDict(ctx.variables) if ctx.HasField("variables")
        else None,
        "message": ctx.message,
        "turn": ctx.turn,
    })


def context_key(ctx: rpb.ConversationContext, names: tuple[str, ...], channel_id: str = "",
                channel_type: str = "") -> tuple[object, ...]:
    """The values of the variables ``names`` (as conditions see them), hashable, read
    straight from the request: the memo key of a channel answer, without building the
    whole context."""
    out: list[object] = []
    for name in names:
        if name == "channel":
            out.append((channel_id, channel_type or ctx.channel_type))
        elif name == "tags":
            out.append(tuple(ctx.tags))
        elif name == "variables":
            out.append(ctx.variables.SerializeToString(deterministic=True)
                       if ctx.HasField("variables") else b"")
        else:
            out.append(getattr(ctx, name))
    return tuple(out)


def context_values(ctx: rpb.ConversationContext, names: tuple[str, ...],
                   key: tuple[object, ...]) -> dict[str, Any]:
    """Only the variables ``names`` of context_dict's answer, from their memo ``key``
    (context_key's answer): what a request's conditions read, without building (or
    converting) the rest. Tags stay a tuple: CEL and the Python subset read it as a list."""
    out: dict[str, Any] = dict(zip(names, key, strict=True))
    if "channel" in out:
        out["channel"] = dict(zip(("id", "type"), out["channel"], strict=True))
    if "variables" in out:
        out["variables"] = (json_format.MessageToDict(ctx.variables)
                            if ctx.HasField("variables") else {})
    return out
