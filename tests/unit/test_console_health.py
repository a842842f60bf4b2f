"""The console's /healthz (console/health.py), which the Kubernetes probes and the compose
healthcheck call: "ok" without signing in, and a probe neither starts a session nor gets a
cookie (a probe every few seconds would otherwise fill the in-memory session store)."""

from __future__ import annotations

from starlette.testclient import TestClient

from console.app import create_app
from console.sessions import COOKIE
from console.settings import ConsoleSettings


def _client() -> TestClient:
    return TestClient(create_app(ConsoleSettings()), follow_redirects=False)


def test_healthz_answers_without_a_session() -> None:
    client = _client()
    store = client.app.state.sessions  # type: ignore[attr-defined]
    for _ in range(3):
        answer = client.get("/healthz")
        assert answer.status_code == 200
        assert answer.text == "ok"
        assert "set-cookie" not in answer.headers
    assert client.head("/healthz").status_code == 200
    assert not store._sessions


def test_other_pages_still_go_through_the_session_guard() -> None:
    client = _client()
    answer = client.get("/")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin"
    assert COOKIE in answer.headers["set-cookie"]
    assert client.post("/healthz").status_code == 403  # a POST still needs the CSRF token
