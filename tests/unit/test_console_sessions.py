"""The console's session store and guard: a flood of cookie-less visitors cannot push a
signed-in builder out (the oldest anonymous session goes first), idle and old sessions
expire, rotation gives a new id and CSRF token, and every answer (a refusal too) forbids
framing and sniffing."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from console import sessions
from console.app import create_app
from console.sessions import SessionStore
from console.settings import ConsoleSettings


def test_a_flood_of_visitors_does_not_sign_anyone_out(monkeypatch: pytest.MonkeyPatch,
                                                      ) -> None:
    monkeypatch.setattr(sessions, "MAX_SESSIONS", 50)
    store = SessionStore(idle_seconds=3600)
    builder = store.new()
    builder.key = "k"
    for _ in range(500):
        store.new()
    assert store.get(builder.sid) is builder
    assert len(store._sessions) == 50


def test_idle_sessions_expire_and_rotation_renews() -> None:
    store = SessionStore(idle_seconds=60)
    idle = store.new()
    idle.seen -= 61
    assert store.get(idle.sid) is None
    busy = store.new()
    busy.started -= 25 * 3600  # busy all along, but past the absolute lifetime
    assert store.get(busy.sid) is None
    first = store.new()
    second = store.rotate(first)
    assert (second.sid, second.csrf) != (first.sid, first.csrf)
    assert store.get(first.sid) is None and store.get(second.sid) is second
    assert second.csrf_ok(second.csrf) and not second.csrf_ok("") and not second.csrf_ok(None)


def test_every_answer_forbids_framing() -> None:
    client = TestClient(create_app(ConsoleSettings()), follow_redirects=False)
    for answer in (client.get("/"), client.get("/signin"), client.post("/signin")):
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["content-security-policy"] == "frame-ancestors 'none'"
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert client.post("/signin").status_code == 403  # no CSRF token
