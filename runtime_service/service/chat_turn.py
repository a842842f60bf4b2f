"""A chat turn as the chat use case receives it (Chat, StreamChat, and the test runner's
cases), and the checks it passes before anything is read."""

from __future__ import annotations

from dataclasses import dataclass

from agentconfig.errors import ResourceExhausted, invalid
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.requests import check_mocks, check_script
from runtime_service.simulator.sessions import ChatSession

MAX_CHAT_MESSAGE = 8_000


@dataclass(frozen=True)
class ChatTurn:
    workspace_id: str
    target_kind: str
    target_id: str
    draft: bool
    version: int
    message: str
    context: rpb.ConversationContext
    conversation_id: str  # empty: a new conversation
    mocks: tuple[rpb.ToolMock, ...] = ()
    responder: int = rpb.RESPONDER_KIND_UNSPECIFIED  # rpb.ResponderKind
    script: rpb.ScriptedTurn | None = None  # read by RESPONDER_KIND_SCRIPTED only


def check(turn: ChatTurn) -> None:
    if not turn.workspace_id:
        raise invalid("workspace_id", "is required", "REQUIRED")
    if turn.target_kind not in ("agent", "squad"):
        raise invalid("target_kind", "must be ENTITY_KIND_AGENT or ENTITY_KIND_SQUAD",
                      "BAD_TARGET")
    if not turn.target_id:
        raise invalid("target_id", "is required", "REQUIRED")
    if not turn.draft and turn.version <= 0:
        raise invalid("version", "must be a version number for CHAT_SOURCE_VERSION",
                      "BAD_VERSION")
    if not turn.message.strip():
        raise invalid("message", "is required", "REQUIRED")
    if len(turn.message) > MAX_CHAT_MESSAGE:
        raise ResourceExhausted(f"message: longer than {MAX_CHAT_MESSAGE} characters",
                                reason="MESSAGE_TOO_LONG")
    check_mocks(turn.mocks)
    check_script(turn.responder, turn.script)


def turn_context(turn: ChatTurn, session: ChatSession) -> rpb.ConversationContext:
    """The request's context; its message defaults to the turn's, and in a conversation
    that goes on, an unset turn number to this turn's (1-based)."""
    context = rpb.ConversationContext()
    context.CopyFrom(turn.context)
    context.message = context.message or turn.message
    if not context.turn and session.turns:
        context.turn = session.turns + 1
    return context
