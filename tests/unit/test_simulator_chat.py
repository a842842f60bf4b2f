"""The chat use case on fakes: a conversation keeps its history and its squad's current
speaker across turns, streams its events in order, answers StreamChat and Chat alike, and
records every turn with what GetConversation shows."""

from __future__ import annotations

from typing import Any

from google.protobuf.struct_pb2 import Struct, Value

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.domain.access import KeyInfo
from runtime_service.service.chat import ChatService, ChatTurn
from runtime_service.service.ports import (
    ChannelBinding,
    ConfigSource,
    Recorder,
    Turn,
    WorkspaceSettings,
)
from runtime_service.simulator.adapters.responders import DeterministicResponder
from tests.harness import builders as b
from tests.unit.simulator_fakes import FakeMcp
from tests.unit.test_runtime_resolve import snapshot

ENTITIES = [
    b.tool("weather"),
    b.agent("support", tool_ids=["weather"]),
    b.agent("billing", name="Billing"),
    b.squad("desk", ("support", "billing"), handoff_rules=[
        {"from_agent_id": "support", "to_agent_id": "billing",
         "condition": 'message.contains("invoice")', "description": "invoices"}]),
]


class DraftOnly(ConfigSource):
    """A config source the chat only reads Drafts (and settings) from."""

    async def production(self, workspace_id: str) -> pb.Snapshot:
        raise AssertionError("the chat never reads production")

    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        raise AssertionError("not in these tests")

    async def channels(self, workspace_id: str) -> list[ChannelBinding]:
        return []

    async def key(self, key_id: str) -> KeyInfo:
        raise AssertionError("not in these tests")


class FakeConfig(DraftOnly):
    def __init__(self) -> None:
        self.settings_reads = 0

    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot:
        out = snapshot(ENTITIES, version=0)
        out.draft_revision = 4
        return out

    async def workspace_settings(self, workspace_id: str) -> WorkspaceSettings:
        self.settings_reads += 1
        return WorkspaceSettings()


class ListRecorder(Recorder):
    def __init__(self) -> None:
        self.turns: list[Turn] = []

    def record(self, turn: Turn) -> None:
        self.turns.append(turn)


def service() -> tuple[ChatService, ListRecorder]:
    recorder = ListRecorder()
    return ChatService(FakeConfig(), DeterministicResponder(), recorder, mcp=FakeMcp({})), \
        recorder


def turn(message: str, conversation: str = "c1", **kw: Any) -> ChatTurn:
    return ChatTurn("ws", "squad", "desk", True, 0, message, rpb.ConversationContext(turn=1),
                    conversation, **kw)


def scripted(*moves: rpb.ModelMove) -> dict[str, Any]:
    return {"responder": rpb.RESPONDER_KIND_SCRIPTED, "script": rpb.ScriptedTurn(moves=moves)}


async def test_a_hand_off_lasts_and_history_is_kept() -> None:
    chat, recorder = service()
    first = await chat.turn(turn("hello"))
    second = [e async for e in chat.stream(turn("about my invoice"))]
    third = await chat.turn(turn("and the amount?"))
    assert first.trace.answering_agent_id == "support"
    kinds = [e.WhichOneof("event") for e in second]
    assert kinds[0] == "handoff" and kinds[-1] == "done" and "reply_delta" in kinds
    assert (second[0].handoff.from_agent_id, second[0].handoff.to_agent_id,
            second[0].handoff.rule_index, second[0].handoff.description) == (
        "support", "billing", 0, "invoices")
    done = second[-1].done
    assert done.trace.answering_agent_id == "billing"
    assert done.trace.previous_agent_id == "support"
    assert "".join(e.reply_delta for e in second if e.HasField("reply_delta")) == done.reply
    assert third.trace.answering_agent_id == "billing"  # the hand-off holds
    assert third.trace.squad.handoff_rule_index == -1
    assert third.conversation.turns == 3 and third.conversation.current_agent_id == "billing"
    assert [t.agent_id for t in recorder.turns] == ["support", "billing", "billing"]
    assert [t.handoff_rule_index for t in recorder.turns] == [-1, 0, -1]
    recorded = recorder.turns[1]
    assert (recorded.user_message, recorded.reply, recorded.source) == (
        "about my invoice", done.reply, "chat")
    assert (recorded.target_kind, recorded.target_id, recorded.draft_revision) == (
        "squad", "desk", 4)


async def test_the_model_sees_the_history() -> None:
    chat, _ = service()
    await chat.turn(turn("hello", "c2"))
    mock = rpb.ToolMock(tool="weather")
    mock.result.string_value = "sunny"
    answer = await chat.turn(turn("weather?", "c2", mocks=(mock,), **scripted(
        rpb.ModelMove(tool_calls=[rpb.ToolCall(call_id="w", tool="weather",
                                               arguments=Struct(fields={"city": Value(
                                                   string_value="Porto")}))]),
        rpb.ModelMove(reply="It is sunny."))))
    assert answer.reply == "It is sunny."
    [call] = answer.trace.tool_calls
    assert call.outcome == rpb.TOOL_OUTCOME_MOCKED and call.agent_id == "support"


async def test_an_empty_conversation_id_starts_a_new_conversation() -> None:
    chat, recorder = service()
    a = await chat.turn(turn("about my invoice", ""))
    b_ = await chat.turn(turn("hello", ""))
    assert a.conversation_id and b_.conversation_id and a.conversation_id != b_.conversation_id
    assert b_.trace.answering_agent_id == "support" and b_.trace.previous_agent_id == ""
    assert recorder.turns[0].conversation_id == a.conversation_id
