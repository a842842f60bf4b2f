"""Issue 9, "What must show" item 1, against the real config service and runtime (in
process, real channels and stubs): a three-turn squad conversation whose hand-off lasts;
a tool call answered by a mock and one with a schema violation; an MCP server built with the
official SDK, listed and called over streamable HTTP and SSE once live_tool_ids allows it;
StreamChat's events in order, ending with Chat's answer; the OpenAI-compatible responder's
tool loop against a local fake endpoint."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from google.protobuf import json_format

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import builders as b
from tests.harness import workspace
from tests.harness.fake_model import fake_model
from tests.harness.mcp_server import mcp_files
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SCRIPTED = rpb.RESPONDER_KIND_SCRIPTED


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def runtime(config: ConfigHandle, redis_server: RedisServer,
                  tmp_path_factory: Any) -> AsyncIterator[RuntimeHandle]:
    handle = await start_runtime_service(config.address, redis_server.url,
                                         str(tmp_path_factory.mktemp("rt-sim")))
    yield handle
    await handle.stop()


def chat(ws: str, message: str, target: str = "support", kind: int = pb.ENTITY_KIND_AGENT,
         **kw: Any) -> rpb.ChatRequest:
    return rpb.ChatRequest(workspace_id=ws, target_kind=kind, target_id=target,  # type: ignore[arg-type]
                           source=rpb.CHAT_SOURCE_DRAFT, message=message, **kw)


def call(tool: str, call_id: str = "", **arguments: Any) -> rpb.ToolCall:
    out = rpb.ToolCall(call_id=call_id, tool=tool)
    json_format.ParseDict(arguments, out.arguments)
    return out


def script(*moves: rpb.ModelMove) -> dict[str, Any]:
    return {"responder": SCRIPTED, "script": rpb.ScriptedTurn(moves=moves)}


def mock(tool: str, result: Any) -> rpb.ToolMock:
    out = rpb.ToolMock(tool=tool)
    json_format.ParseDict(result, out.result)
    return out


async def test_a_hand_off_lasts_across_turns(config: ConfigHandle, runtime: RuntimeHandle,
                                            ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    squad: dict[str, Any] = {"target": "front-desk", "kind": pb.ENTITY_KIND_SQUAD}
    first = await runtime.stub.Chat(chat(ws_id, "hello", **squad))
    conversation = first.conversation_id
    second = await runtime.stub.Chat(chat(ws_id, "where is my invoice?", **squad,
                                          conversation_id=conversation))
    third = await runtime.stub.Chat(chat(ws_id, "thanks, and the amount?", **squad,
                                         conversation_id=conversation))
    assert [t.trace.answering_agent_id for t in (first, second, third)] == [
        "support", "billing", "billing"]
    assert [t.trace.squad.handoff_rule_index for t in (first, second, third)] == [-1, 0, -1]
    assert [t.trace.previous_agent_id for t in (first, second, third)] == [
        "", "support", "billing"]
    assert third.reply.startswith("[Billing] ")
    assert (third.conversation.conversation_id, third.conversation.turns,
            third.conversation.current_agent_id) == (conversation, 3, "billing")
    fresh = await runtime.stub.Chat(chat(ws_id, "thanks", **squad))
    assert fresh.trace.answering_agent_id == "support"  # another conversation: the entry


async def test_mocked_and_invalid_tool_calls_stream_in_order(
        config: ConfigHandle, runtime: RuntimeHandle, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    request = chat(ws_id, "weather in Lisbon and Porto?",
                   mocks=[mock("weather", {"sky": "sunny"})],
                   **script(rpb.ModelMove(tool_calls=[call("weather", "a", city="Lisbon"),
                                                      call("weather", "b", town="Porto")]),
                            rpb.ModelMove(reply="Sunny in Lisbon; Porto I could not look up.")))
    events = [e async for e in runtime.stub.StreamChat(rpb.StreamChatRequest(chat=request))]
    kinds = [e.WhichOneof("event") for e in events]
    deltas = kinds.count("reply_delta")
    assert kinds == ["tool_call_started", "tool_call_finished"] * 2 + \
        ["reply_delta"] * deltas + ["done"] and deltas > 1
    mocked, invalid = events[1].tool_call_finished, events[3].tool_call_finished
    assert (mocked.call.call_id, mocked.outcome) == ("a", rpb.TOOL_OUTCOME_MOCKED)
    assert json_format.MessageToDict(mocked.result) == {"sky": "sunny"}
    assert invalid.outcome == rpb.TOOL_OUTCOME_SCHEMA_VIOLATION
    assert list(invalid.violations) == ["$: 'city' is a required property"]
    done = events[-1].done
    assert done.reply == "Sunny in Lisbon; Porto I could not look up."
    assert "".join(e.reply_delta for e in events[4:-1]) == done.reply
    assert list(done.trace.tool_calls) == [mocked, invalid]
    unary = await runtime.stub.Chat(request)  # the same turn, unary: the same answer
    assert unary.reply == done.reply
    assert [(c.call.tool, c.outcome, list(c.violations)) for c in unary.trace.tool_calls] == [
        (c.call.tool, c.outcome, list(c.violations)) for c in done.trace.tool_calls]


@pytest.mark.parametrize("transport", ["streamable-http", "sse"])
async def test_an_mcp_server_is_listed_and_called(
        config: ConfigHandle, runtime: RuntimeHandle, ws_id: str, transport: str) -> None:
    async with mcp_files(transport) as url:
        await config.stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
        await workspace.publish_all(config.stub, ws_id, [
            b.mcp_server("files", url=url, allowed_tools=["read_file"],
                         transport="MCP_TRANSPORT_SSE" if transport == "sse"
                         else "MCP_TRANSPORT_STREAMABLE_HTTP"),
            b.mcp_server("gone", url="http://127.0.0.1:1/mcp"),
            b.agent("support", mcp_server_ids=["files", "gone"])], "v1")
        turn = script(rpb.ModelMove(tool_calls=[call("files/read_file", path="a.txt"),
                                                call("files/delete_file", path="a.txt")]),
                      rpb.ModelMove(reply="Read it."))
        mocked_only = await runtime.stub.Chat(chat(ws_id, "read a.txt", **turn))
        gone, read, delete = mocked_only.trace.tool_calls
        assert list(mocked_only.trace.mcp_tools) == ["files/read_file"]  # allowed_tools
        assert (gone.call.call_id, gone.outcome) == ("mcp-list:gone", rpb.TOOL_OUTCOME_ERROR)
        assert read.outcome == rpb.TOOL_OUTCOME_NO_MOCK  # not live yet
        assert delete.outcome == rpb.TOOL_OUTCOME_NOT_OFFERED
        assert mocked_only.reply == "Read it."
        await config.stub.UpdateWorkspaceSettings(cpb.UpdateWorkspaceSettingsRequest(
            workspace_id=ws_id, settings=cpb.WorkspaceSettings(live_tool_ids=["files"])))
        live = await runtime.stub.Chat(chat(ws_id, "read a.txt", **turn))
        called = live.trace.tool_calls[1]
        assert called.outcome == rpb.TOOL_OUTCOME_CALLED, called.error
        assert json_format.MessageToDict(called.result) == {"result": "contents of a.txt"}


async def test_the_openai_compatible_responder_calls_tools(
        config: ConfigHandle, redis_server: RedisServer, ws_id: str, tmp_path: Path) -> None:
    await workspace.seed(config.stub, ws_id)
    with fake_model() as (base_url, seen):
        runtime = await start_runtime_service(
            config.address, redis_server.url, str(tmp_path), responder="openai",
            openai_base_url=base_url, openai_model="fake")
        try:
            answer = await runtime.stub.Chat(chat(
                ws_id, "weather in Lisbon?", mocks=[mock("weather", {"sky": "sunny"})]))
        finally:
            await runtime.stop()
    [weather] = answer.trace.tool_calls
    assert weather.outcome == rpb.TOOL_OUTCOME_MOCKED
    assert json_format.MessageToDict(weather.call.arguments) == {"city": "Lisbon"}
    assert answer.reply == 'It is {"sky": "sunny"}.'
    assert [m["role"] for m in seen[-1]["messages"]] == ["system", "user", "assistant", "tool"]
