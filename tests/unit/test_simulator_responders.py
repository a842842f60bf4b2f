"""The responders: the deterministic default, the scripted one, and the OpenAI-compatible
one against a local fake endpoint (a real HTTP server on loopback) that first asks for a
tool call and then replies with what the tool answered: the standard tool loop."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agentconfig.errors import Unavailable
from agentconfig.resolution.resolve import resolve_target
from agentconfig.resolution.snapshot import build
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.adapters.openai import FunctionNames, OpenAICompatibleResponder
from runtime_service.simulator.adapters.responders import (
    DeterministicResponder,
    ScriptedResponder,
)
from runtime_service.simulator.egress import Egress
from runtime_service.simulator.loop import LoopDone, run_turn
from runtime_service.simulator.offer import http_tools
from runtime_service.simulator.ports import Message, ModelRequest, Move, NoNetwork, OfferedTool
from runtime_service.simulator.toolbox import Toolbox
from tests.harness import builders as b
from tests.unit.test_runtime_resolve import snapshot

SEEN: list[dict[str, Any]] = []


def _answer(body: dict[str, Any]) -> dict[str, Any]:
    last = body["messages"][-1]
    if last["role"] == "tool":  # the tool answered: reply with what it said
        return {"role": "assistant", "content": f"The weather: {last['content']}"}
    if "weather" in last["content"]:
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_abc", "type": "function",
             "function": {"name": "weather", "arguments": '{"city": "Lisbon"}'}}]}
    return {"role": "assistant", "content": "Hello there."}


class _Fake(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        SEEN.append({"path": self.path, "auth": self.headers.get("Authorization"), **body})
        if body["messages"][-1].get("content") == "fail":
            self.send_response(500)
            self.end_headers()
            return
        data = json.dumps({"choices": [{"message": _answer(body)}]}).encode()
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


def _request(message: str, turn: int = 2) -> ModelRequest:
    agent = _agent()
    return ModelRequest(agent, (Message("user", message),), tuple(http_tools(agent)),
                        rpb.ConversationContext(turn=turn), 0)


async def _play(responder: Any, request: ModelRequest, mocks: list[rpb.ToolMock],
                ) -> tuple[list[rpb.StreamChatResponse], LoopDone]:
    toolbox = Toolbox(request.tools, mocks, _nothing_live, NoNetwork(), NoNetwork(),
                      Egress.parse(""))
    events = [e async for e in run_turn(responder, toolbox, request)]
    done = events.pop()
    assert isinstance(done, LoopDone)
    return [e for e in events if isinstance(e, rpb.StreamChatResponse)], done


async def _nothing_live() -> frozenset[str]:
    return frozenset()


async def test_openai_compatible_responder_runs_the_tool_loop(fake_server: str) -> None:
    responder = OpenAICompatibleResponder(fake_server, api_key="k-123", model="local-model")
    mock = rpb.ToolMock(tool="weather")
    mock.result.string_value = "sunny, 24 C"
    events, done = await _play(responder, _request("weather in Lisbon?"), [mock])
    assert done.reply == 'The weather: "sunny, 24 C"'
    [call] = done.invocations
    assert (call.call.call_id, call.call.tool, call.outcome) == (
        "call_abc", "weather", rpb.TOOL_OUTCOME_MOCKED)
    assert dict(call.call.arguments) == {"city": "Lisbon"}
    assert [e.WhichOneof("event") for e in events] == [
        "tool_call_started", "tool_call_finished", "reply_delta"]
    first, second = SEEN[-2], SEEN[-1]
    assert first["path"] == "/v1/chat/completions" and first["auth"] == "Bearer k-123"
    assert first["model"] == "local-model"
    assert first["messages"][0] == {"role": "system",
                                    "content": "You help customers politely."}
    assert first["tools"][0]["function"]["name"] == "weather"
    assert first["tools"][0]["function"]["parameters"]["required"] == ["city"]
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "tool"]
    assert second["messages"][2]["tool_calls"][0]["id"] == "call_abc"
    assert second["messages"][3] == {"role": "tool", "tool_call_id": "call_abc",
                                     "content": '"sunny, 24 C"'}
    await responder.close()


async def test_openai_compatible_responder_failures_are_unavailable(fake_server: str) -> None:
    responder = OpenAICompatibleResponder(fake_server)
    with pytest.raises(Unavailable):
        await _play(responder, _request("fail"), [])
    await responder.close()


def test_function_names_are_valid_and_map_back() -> None:
    tools = [OfferedTool("order-status", "order_status", "", {}),
             OfferedTool("files/read.file", "read.file", "", {}, mcp_server_id="files"),
             OfferedTool("files/read_file", "read_file", "", {}, mcp_server_id="files")]
    names = FunctionNames(tools)
    shown = [names.function(t.key) for t in tools]
    assert shown == ["order_status", "files__read_file", "files__read_file_2"]
    assert [names.key(n) for n in shown] == [t.key for t in tools]
    assert names.key("unknown") == "unknown"


async def test_deterministic_responder() -> None:
    events, done = await _play(DeterministicResponder(), _request("hi"), [])
    assert done.reply == "[Support] You said: hi (tools: weather; conditional prompts: none)"
    assert "".join(e.reply_delta for e in events) == done.reply and len(events) > 3


async def test_scripted_responder_plays_its_moves_then_stops() -> None:
    script = rpb.ScriptedTurn(moves=[rpb.ModelMove(tool_calls=[rpb.ToolCall(tool="weather")]),
                                     rpb.ModelMove(reply="Done.")])
    responder = ScriptedResponder(script)
    request = _request("hi")
    moves = [[m async for m in responder.move(ModelRequest(
        request.agent, request.messages, request.tools, request.context, step))]
        for step in range(3)]
    assert isinstance(moves[0][-1], Move) and moves[0][-1].calls[0].tool == "weather"
    assert moves[1] == ["Done.", Move(reply="Done.")]
    assert moves[2] == [Move()]
