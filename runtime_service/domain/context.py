"""The conversation context that conditions see (CEL variables), built from the request."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from agentconfig.v1 import runtime_service_pb2 as rpb


def context_dict(ctx: rpb.ConversationContext, channel_id: str = "",
                 channel_type: str = "") -> dict[str, Any]:
    return {
        "channel": {"id": channel_id, "type": channel_type or ctx.channel_type},
        "locale": ctx.locale,
        "tags": list(ctx.tags),
        "variables": json_format.MessageToDict(ctx.variables) if ctx.HasField("variables")
        else {},
        "message": ctx.message,
        "turn": ctx.turn,
    }
