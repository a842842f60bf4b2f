"""Pinned conversations keep their version until idle; "latest" always follows Production."""

from __future__ import annotations

from runtime_service.domain.snapshot import build
from runtime_service.service.conversations import LATEST, Conversations
from runtime_service.service.store import WorkspaceState
from tests.unit.test_runtime_resolve import ENTITIES, snapshot


def _state() -> WorkspaceState:
    state = WorkspaceState("ws")
    state.swap(build(snapshot(ENTITIES, 1)))
    return state


def test_pinned_until_idle() -> None:
    conversations = Conversations(idle_seconds=60)
    state = _state()
    assert conversations.pick(state, "c", now=0).version == 1
    state.swap(build(snapshot(ENTITIES, 2)))
    assert conversations.pick(state, "c", now=30).version == 1
    assert conversations.pick(state, "c", now=80).version == 1  # 50 s after last seen
    assert conversations.pick(state, "c", now=200).version == 2  # idle: moves on
    assert conversations.pick(state, "new", now=200).version == 2
    assert conversations.pick(state, "", now=200).version == 2


def test_latest_policy_and_pruning() -> None:
    conversations = Conversations(idle_seconds=60, policies={"ws": LATEST})
    state = _state()
    conversations.pick(state, "c", now=0)
    state.swap(build(snapshot(ENTITIES, 2)))
    assert conversations.pick(state, "c", now=1).version == 2

    pinned = Conversations(idle_seconds=60)
    state = _state()
    pinned.pick(state, "c", now=0)
    state.swap(build(snapshot(ENTITIES, 2)))
    state.keep_only(pinned.in_use("ws", now=10))
    assert set(state.versions) == {1, 2}
    state.keep_only(pinned.in_use("ws", now=100))
    assert set(state.versions) == {2}


def test_bounded() -> None:
    conversations = Conversations(idle_seconds=60, max_entries=10)
    state = _state()
    for i in range(100):
        conversations.pick(state, f"c{i}", now=0)
    assert len(conversations.in_use("ws", now=1)) == 1
    assert len(conversations._entries) == 10
