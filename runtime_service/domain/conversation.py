"""Where a conversation stands between turns: the version it is pinned to, a squad's current
speaker, how many turns it has had and when the last one was. The gateway's token, the
shared record and each replica's memory all hold this one value, so every replica reads a
conversation the same way whichever of them it came from.

Times are epoch seconds (not a monotonic clock): the state travels between processes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from json.encoder import encode_basestring_ascii as _quoted
from typing import Any

from google.protobuf import timestamp_pb2

from agentconfig.v1 import runtime_service_pb2 as rpb

MAX_VERSION = 2**31 - 1  # int32 on the wire
MAX_ID = 100
_HASH = re.compile(r"[0-9a-f]{64}")


class MalformedState(ValueError):
    """Fields that no runtime could have written (a damaged or forged shared record)."""


@dataclass(frozen=True)
class ConversationState:
    workspace_id: str
    conversation_id: str
    version: int  # the pinned version; 0: not pinned (policy "latest")
    content_hash: str  # of the pinned version: a fetched copy must hash to it
    current_agent_id: str = ""  # a squad's current speaker (hand-off rules apply from it)
    turns: int = 0  # turns answered so far
    last_turn_at: float = 0.0  # epoch seconds

    def idle(self, now: float, idle_seconds: float) -> bool:
        return now - self.last_turn_at >= idle_seconds

    def after_turn(self, agent_id: str, now: float) -> ConversationState:
        # built directly: dataclasses.replace costs more than the rest of a turn's state
        return ConversationState(self.workspace_id, self.conversation_id, self.version,
                                 self.content_hash, agent_id, self.turns + 1, now)

    def unpinned(self) -> ConversationState:
        return replace(self, version=0, content_hash="")

    def pinned_to(self, version: int, content_hash: str) -> ConversationState:
        return replace(self, version=version, content_hash=content_hash)

    def to_proto(self) -> rpb.ConversationState:
        seconds = math.floor(self.last_turn_at)
        return rpb.ConversationState(
            conversation_id=self.conversation_id, version=self.version,
            current_agent_id=self.current_agent_id, turns=self.turns,
            last_turn_time=timestamp_pb2.Timestamp(
                seconds=seconds, nanos=int((self.last_turn_at - seconds) * 1e9)))


def to_fields(state: ConversationState) -> dict[str, Any]:
    """Compact JSON-ready fields (the token's payload and the shared record's value)."""
    return {"w": state.workspace_id, "c": state.conversation_id, "v": state.version,
            "h": state.content_hash, "a": state.current_agent_id, "n": state.turns,
            "t": round(state.last_turn_at, 3)}


def to_json(state: ConversationState) -> str:
    """``to_fields`` as compact JSON, written out: every turn signs one, and this is a
    third of json.dumps's cost (tests/unit/test_conversation_token.py compares them)."""
    q = _quoted
    return (f'{{"w":{q(state.workspace_id)},"c":{q(state.conversation_id)},'
            f'"v":{state.version:d},"h":{q(state.content_hash)},'
            f'"a":{q(state.current_agent_id)},"n":{state.turns:d},'
            f'"t":{round(state.last_turn_at, 3)!r}}}')


def _text(data: dict[str, Any], key: str, limit: int) -> str:
    value = data.get(key)
    if not isinstance(value, str) or len(value) > limit:
        raise MalformedState(f"{key!r} is not text of at most {limit} characters")
    return value


def _whole(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VERSION:
        raise MalformedState(f"{key!r} is not a whole number in 0..{MAX_VERSION}")
    return value


def from_fields(data: object) -> ConversationState:
    """The state ``to_fields`` wrote; MalformedState for anything else."""
    if not isinstance(data, dict):
        raise MalformedState("not an object")
    at = data.get("t")
    if isinstance(at, bool) or not isinstance(at, int | float) or not math.isfinite(at) \
            or at < 0:
        raise MalformedState("'t' is not a time")
    content_hash = _text(data, "h", 64)
    version = _whole(data, "v")
    if (version > 0) != bool(_HASH.fullmatch(content_hash)):
        raise MalformedState("a pinned version needs its content hash, and only it")
    return ConversationState(_text(data, "w", MAX_ID), _text(data, "c", MAX_ID), version,
                             content_hash, _text(data, "a", MAX_ID), _whole(data, "n"),
                             float(at))
