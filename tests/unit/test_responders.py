"""The OpenAI-compatible responder against a local fake server (a real HTTP server on
loopback), and the deterministic default."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agentconfig.errors import Unavailable
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.responders import DeterministicResponder, OpenAICompatibleResponder
from runtime_service.domain.resolve import resolve_target
from runtime_service.domain.snapshot import build
from tests.harness import builders as b
from tests.unit.test_runtime_resolve import snapshot

SEEN: list[dict[str, Any]] = []


class _Fake(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if body["messages"][1]["content"] == "fail":
            self.send_response(500)
            self.end_headers()
            return
        reply = {"choices": [{"message": {"role": "assistant", "content": "Sunny in Lisbon."}}]}
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        return None


@pytest.fixture
def fake_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def _agent() -> rpb.ResolvedAgent:
    serving = build(snapshot([b.tool("weather"), b.agent("support", tool_ids=["weather"])]))
    agent, _ = resolve_target(serving, "agent", "support", {})
    return agent


async def test_openai_compatible_responder(fake_server: str) -> None:
    responder = OpenAICompatibleResponder(fake_server, api_key="k-123", model="local-model")
    reply = await responder.reply(_agent(), "weather?", rpb.ConversationContext())
    assert reply == "Sunny in Lisbon."
    request = SEEN[-1]
    assert request["path"] == "/v1/chat/completions"
    assert request["auth"] == "Bearer k-123"
    assert request["model"] == "local-model"
    assert request["messages"][0] == {"role": "system",
                                      "content": "You help customers politely."}
    assert request["tools"][0]["function"]["name"] == "weather"
    assert request["tools"][0]["function"]["parameters"]["required"] == ["city"]
    with pytest.raises(Unavailable):
        await responder.reply(_agent(), "fail", rpb.ConversationContext())


async def test_deterministic_responder() -> None:
    reply = await DeterministicResponder().reply(_agent(), "hi", rpb.ConversationContext(turn=2))
    assert reply == "[Support] You said: hi (tools: weather; conditional prompts: none)"
