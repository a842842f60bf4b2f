"""A chat conversation's turns are recorded with what GetConversation shows: the user
message, the reply, the answering agent, the hand-off rule, the tool calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def runtime(config: ConfigHandle, redis_server: RedisServer,
                  tmp_path_factory: Any) -> AsyncIterator[RuntimeHandle]:
    handle = await start_runtime_service(config.address, redis_server.url,
                                         str(tmp_path_factory.mktemp("rt-sim-conv")))
    yield handle
    await handle.stop()


async def test_get_conversation_shows_the_chat(config: ConfigHandle, runtime: RuntimeHandle,
                                               ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    mock = rpb.ToolMock(tool="weather")
    mock.result.string_value = "sunny"
    script = rpb.ScriptedTurn(moves=[rpb.ModelMove(tool_calls=[rpb.ToolCall(tool="weather")]),
                                     rpb.ModelMove(reply="Sunny.")])
    script.moves[0].tool_calls[0].arguments["city"] = "Porto"
    conversation = ""
    scripted = {"responder": rpb.RESPONDER_KIND_SCRIPTED, "script": script, "mocks": [mock]}
    turns: list[tuple[str, dict[str, Any]]] = [
        ("hello", {}), ("where is my invoice?", {}), ("weather?", scripted)]
    for message, extra in turns:
        answer = await runtime.stub.Chat(rpb.ChatRequest(
            workspace_id=ws_id, target_kind=pb.ENTITY_KIND_SQUAD, target_id="front-desk",
            source=rpb.CHAT_SOURCE_DRAFT, message=message, conversation_id=conversation,
            **extra))
        conversation = answer.conversation_id
    await runtime.app.recorder.flush()
    found = (await runtime.stub.GetConversation(rpb.GetConversationRequest(
        workspace_id=ws_id, conversation_id=conversation))).conversation
    assert found.source == rpb.CONVERSATION_SOURCE_CHAT
    assert (found.target_kind, found.target_id) == (pb.ENTITY_KIND_SQUAD, "front-desk")
    assert [(t.user_message, t.agent_id, t.handoff_rule_index) for t in found.turns] == [
        ("hello", "support", -1), ("where is my invoice?", "billing", 0),
        ("weather?", "billing", -1)]
    assert found.turns[2].reply == "Sunny." and found.current_agent_id == "billing"
    [call] = found.turns[2].tool_calls  # billing is not offered support's weather tool
    assert (call.call.tool, call.outcome) == ("weather", rpb.TOOL_OUTCOME_NOT_OFFERED)
