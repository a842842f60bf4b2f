"""Conversations kept in memory when the runtime has no database: recorded and readable
like the database's (ListConversations, GetConversation), bounded so that memory does not
grow with traffic. The least recently active conversations go first, and a conversation
keeps its latest ``max_turns`` turns (their indexes stay those of the whole conversation).
A restart forgets them all: configure AGENTCONFIG_RUNTIME_DATABASE_URL to keep them."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field, replace
from datetime import datetime

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.conversation_protos import conversation, micros, turn
from runtime_service.adapters.recorder import clean
from runtime_service.service.ports import ConversationLog, ConversationQuery, Recorder, Turn


@dataclass
class _Conversation:
    workspace_id: str
    conversation_id: str
    channel_id: str
    source: str
    started_at: datetime
    last_turn_at: datetime
    version: int
    target_kind: str
    target_id: str
    current_agent_id: str
    turns: int = 0
    kept: deque[Turn] = field(default_factory=deque)

    def sort_key(self) -> tuple[int, str]:
        return micros(self.started_at), self.conversation_id


class MemoryConversationLog(Recorder, ConversationLog):
    def __init__(self, max_conversations: int = 10_000, max_turns: int = 200) -> None:
        self._max = max_conversations
        self._max_turns = max_turns
        self._items: OrderedDict[tuple[str, str], _Conversation] = OrderedDict()

    def record(self, turn: Turn) -> None:
        key = (turn.workspace_id, turn.conversation_id)
        found = self._items.get(key)
        if found is None:
            found = self._items[key] = _Conversation(
                *key, turn.channel_id, turn.source, turn.at, turn.at, turn.version,
                turn.target_kind, turn.target_id, "")
            if len(self._items) > self._max:
                self._items.popitem(last=False)
        self._items.move_to_end(key)
        if turn.at >= found.last_turn_at:
            found.last_turn_at = turn.at
            found.current_agent_id = turn.current_agent_id or turn.agent_id
        found.turns += 1
        if clean(turn.user_message) != turn.user_message or clean(turn.reply) != turn.reply:
            turn = replace(turn, user_message=clean(turn.user_message),
                           reply=clean(turn.reply))
        if turn.context is not None and clean(turn.context.message) != turn.context.message:
            turn = replace(turn, context=_bounded(turn.context))
        found.kept.append(turn)
        if len(found.kept) > self._max_turns:
            found.kept.popleft()

    async def page(self, query: ConversationQuery) -> list[rpb.Conversation]:
        matches = sorted((c for c in self._items.values() if _matches(c, query)),
                         key=_Conversation.sort_key, reverse=True)
        return [conversation(c) for c in matches[:query.limit]]

    async def get(self, workspace_id: str, conversation_id: str) -> rpb.Conversation | None:
        found = self._items.get((workspace_id, conversation_id))
        if found is None:
            return None
        out = conversation(found)
        first = found.turns - len(found.kept) + 1
        out.turns.extend(turn(first + i, t) for i, t in enumerate(found.kept))
        return out

    async def delete_before(self, cutoff: datetime) -> int:
        old = [k for k, c in self._items.items() if c.last_turn_at < cutoff]
        for key in old:
            del self._items[key]
        return len(old)


def _bounded(context: rpb.ConversationContext) -> rpb.ConversationContext:
    out = rpb.ConversationContext()
    out.CopyFrom(context)
    out.message = clean(context.message)
    return out


def _matches(c: _Conversation, q: ConversationQuery) -> bool:
    return (c.workspace_id == q.workspace_id
            and (not q.channel_id or c.channel_id == q.channel_id)
            and (not q.version or c.version == q.version)
            and (not q.source or c.source == q.source)
            and (not q.agent_id or any(t.agent_id == q.agent_id for t in c.kept))
            and (q.after is None or c.sort_key() < q.after))
