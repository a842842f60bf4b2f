"""Chat conversations held in this replica's memory: their history and a squad's current
speaker, so the next turn continues where the last one ended (a hand-off lasts).

A chat conversation continues on the replica that holds it: a turn that lands on another
replica, or after the conversation was idle longer than the idle timeout, or after it was
pushed out by newer ones (the store is bounded), starts afresh from the entry agent with no
history. Every turn is also recorded (the Recorder), so GetConversation shows it anyway.
Turns of one conversation run one at a time (its lock)."""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from agentconfig.errors import invalid
from runtime_service.simulator.ports import Message


@dataclass(frozen=True)
class Exchange:
    user: str
    reply: str


@dataclass
class ChatSession:
    conversation_id: str
    target_kind: str
    target_id: str
    exchanges: deque[Exchange]
    current_agent_id: str = ""
    turns: int = 0
    touched: float = 0.0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def history(self, max_chars: int) -> tuple[Message, ...]:
        """The latest exchanges, oldest first, within max_chars of text."""
        kept: list[Exchange] = []
        used = 0
        for exchange in reversed(self.exchanges):
            used += len(exchange.user) + len(exchange.reply)
            if used > max_chars:
                break
            kept.append(exchange)
        out: list[Message] = []
        for exchange in reversed(kept):
            out += [Message("user", exchange.user), Message("assistant", exchange.reply)]
        return tuple(out)

    def answered(self, user: str, reply: str, agent_id: str) -> None:
        self.exchanges.append(Exchange(user, reply))
        self.current_agent_id = agent_id
        self.turns += 1


class ChatSessions:
    def __init__(self, idle_seconds: float = 1800.0, max_sessions: int = 10_000,
                 history_turns: int = 20, clock: Callable[[], float] = time.monotonic,
                 ) -> None:
        self._idle, self._max, self._turns = idle_seconds, max_sessions, history_turns
        self._clock = clock
        self._sessions: OrderedDict[tuple[str, str], ChatSession] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def open(self, workspace_id: str, conversation_id: str, target_kind: str,
             target_id: str) -> ChatSession:
        """The conversation's session, or a new one. A conversation talks to one target."""
        now = self._clock()
        self._expire(now)
        key = (workspace_id, conversation_id)
        session = self._sessions.get(key)
        if session is None:
            session = ChatSession(conversation_id, target_kind, target_id,
                                  deque(maxlen=self._turns))
            self._sessions[key] = session
            while len(self._sessions) > self._max:
                self._sessions.popitem(last=False)
        elif not session.turns:  # no turn answered yet (the first one failed): retarget
            session.target_kind, session.target_id = target_kind, target_id
        elif (session.target_kind, session.target_id) != (target_kind, target_id):
            raise invalid("conversation_id", f"continues a chat with {session.target_kind} "
                          f"{session.target_id!r}, not {target_kind} {target_id!r}",
                          "OTHER_TARGET")
        self._sessions.move_to_end(key)
        session.touched = now
        return session

    def _expire(self, now: float) -> None:
        while self._sessions:
            key, oldest = next(iter(self._sessions.items()))
            if now - oldest.touched <= self._idle or oldest.lock.locked():
                return
            del self._sessions[key]
