"""A Draft chat turn transfers and builds the Draft only when its revision moved: the chat
keeps the last Draft it built per workspace and names its revision, and the config source
answers "unchanged" (None) while it is still the current one."""

from __future__ import annotations

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.service.chat import ChatService, ChatTurn
from runtime_service.service.ports import ConfigSource
from runtime_service.service.run_pins import RunPins, pinned
from runtime_service.simulator.adapters.responders import DeterministicResponder
from tests.harness import builders as b
from tests.unit.simulator_fakes import FakeMcp
from tests.unit.test_runtime_resolve import snapshot
from tests.unit.test_simulator_chat import DraftOnly, ListRecorder


class EditableDraft(DraftOnly):
    """A Draft at a revision that every edit bumps; counts the whole Drafts it sends."""

    def __init__(self) -> None:
        self.entities = [b.agent("support", name="Support")]
        self.revision = 3
        self.transfers = 0

    def edit(self, *entities: pb.Entity) -> None:
        self.entities = list(entities)
        self.revision += 1

    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot | None:
        if known_revision and known_revision == self.revision:
            return None
        self.transfers += 1
        out = snapshot(self.entities, version=0)
        out.draft_revision = self.revision
        return out


def chat(config: ConfigSource) -> ChatService:
    return ChatService(config, DeterministicResponder(), ListRecorder(), mcp=FakeMcp({}))


def turn(message: str, workspace_id: str = "ws") -> ChatTurn:
    return ChatTurn(workspace_id, "agent", "support", True, 0, message,
                    rpb.ConversationContext(turn=1), "c1")


async def test_an_unchanged_draft_is_transferred_once() -> None:
    config = EditableDraft()
    service = chat(config)
    first = await service.turn(turn("hello"))
    second = await service.turn(turn("again"))
    assert config.transfers == 1
    assert first.reply.startswith("[Support]") and second.reply.startswith("[Support]")
    assert second.trace.served_from.draft_revision == 3


async def test_an_edit_between_turns_is_seen_by_the_next_turn() -> None:
    config = EditableDraft()
    service = chat(config)
    await service.turn(turn("hello"))
    config.edit(b.agent("support", name="Helpdesk"))
    second = await service.turn(turn("again"))
    assert config.transfers == 2
    assert second.reply.startswith("[Helpdesk]")
    assert second.trace.served_from.draft_revision == 4


async def test_each_workspace_keeps_its_own_draft() -> None:
    config = EditableDraft()
    service = chat(config)
    for workspace_id in ("ws", "ws-b", "ws", "ws-b"):
        await service.turn(turn("hello", workspace_id))
    assert config.transfers == 2


async def test_a_pinned_draft_answers_unchanged_to_the_revision_it_pins() -> None:
    pins = RunPins(EditableDraft())
    held = snapshot([b.agent("support")], version=0)
    held.draft_revision = 7
    with pinned("ws", held):
        assert await pins.draft("ws", 7) is None
        assert await pins.draft("ws", 6) is held
        assert await pins.draft("ws") is held
