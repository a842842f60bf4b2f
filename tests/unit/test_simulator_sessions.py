"""Chat conversations in a replica's memory: bounded history, idle timeout, bounded
count, one target per conversation."""

from __future__ import annotations

import pytest

from agentconfig.errors import InvalidArgument
from runtime_service.simulator.sessions import ChatSessions


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_history_is_bounded_in_turns_and_characters() -> None:
    sessions = ChatSessions(history_turns=3)
    session = sessions.open("ws", "c", "squad", "desk")
    for i in range(5):
        session.answered(f"u{i}", f"r{i}" * 10, "support")
    assert session.turns == 5 and session.current_agent_id == "support"
    assert [m.content for m in session.history(10_000)] == [
        "u2", "r2" * 10, "u3", "r3" * 10, "u4", "r4" * 10]
    assert [m.role for m in session.history(50)] == ["user", "assistant"] * 2
    assert session.history(5) == ()


def test_idle_and_bounded() -> None:
    clock = Clock()
    sessions = ChatSessions(idle_seconds=10, max_sessions=2, clock=clock)
    first = sessions.open("ws", "a", "agent", "support")
    first.answered("hi", "hello", "support")
    assert sessions.open("ws", "a", "agent", "support") is first
    clock.now = 11
    assert sessions.open("ws", "a", "agent", "support") is not first  # idle: afresh
    sessions.open("ws", "b", "agent", "support")
    sessions.open("ws", "c", "agent", "support")
    assert len(sessions) == 2  # the oldest went
    assert sessions.open("other-ws", "b", "agent", "support").turns == 0  # per workspace


def test_a_conversation_keeps_its_target_once_answered() -> None:
    sessions = ChatSessions()
    sessions.open("ws", "a", "agent", "ghost")  # a first turn that failed binds nothing
    session = sessions.open("ws", "a", "squad", "desk")
    session.answered("hi", "hello", "support")
    with pytest.raises(InvalidArgument) as refused:
        sessions.open("ws", "a", "agent", "support")
    assert refused.value.violations[0].field == "conversation_id"
