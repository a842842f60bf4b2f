"""The internal chat's state in a session: the turns of each conversation (by source and
target) and the turns sent but not yet streamed; the ChatRequest for the next turn
continues the conversation the session holds for that target."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from console.sessions import Session

KINDS = {"agent": pb.ENTITY_KIND_AGENT, "squad": pb.ENTITY_KIND_SQUAD}
MAX_TURNS = 50  # per conversation kept in the session (the runtime keeps them all)
MAX_CHATS = 20  # conversations per session
MAX_PENDING = 20


@dataclass
class Turn:
    message: str
    reply: str
    trace: rpb.ChatTrace | None
    error: str = ""
    conversation_id: str = ""


@dataclass(frozen=True)
class Ask:
    """One message to send: to the Draft (version 0) or a version, for kind/target, with
    what conditional prompts look at (tags, locale, channel type)."""
    version: int
    kind: str
    target: str
    message: str
    tags: tuple[str, ...] = ()
    locale: str = ""
    channel_type: str = ""

    @property
    def key(self) -> str:
        return f"{self.version}:{self.kind}/{self.target}"

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.target}"


def turns(me: Session, ask: Ask) -> list[Turn]:
    found: list[Turn] = me.chats.get(ask.key, [])
    return found


def conversation(found: list[Turn]) -> str:
    return next((t.conversation_id for t in reversed(found) if t.conversation_id), "")


def request(me: Session, ask: Ask) -> rpb.ChatRequest:
    return rpb.ChatRequest(
        workspace_id=me.workspace, target_id=ask.target,
        target_kind=KINDS.get(ask.kind, pb.ENTITY_KIND_UNSPECIFIED),
        source=rpb.CHAT_SOURCE_VERSION if ask.version else rpb.CHAT_SOURCE_DRAFT,
        version=ask.version, message=ask.message,
        conversation_id=conversation(turns(me, ask)),
        context=rpb.ConversationContext(tags=list(ask.tags), locale=ask.locale,
                                        channel_type=ask.channel_type))


def record(me: Session, ask: Ask, turn: Turn) -> None:
    kept: list[Turn] = me.chats.setdefault(ask.key, [])
    kept.append(turn)
    del kept[:-MAX_TURNS]
    while len(me.chats) > MAX_CHATS:
        me.chats.pop(next(iter(me.chats)))


def hold(me: Session, ask: Ask) -> str:
    """Keep ``ask`` until its stream is opened; the token names it in the stream's URL."""
    token = secrets.token_urlsafe(12)
    me.pending[token] = ask
    while len(me.pending) > MAX_PENDING:
        me.pending.pop(next(iter(me.pending)))
    return token
