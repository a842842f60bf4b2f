"""Plain helpers for the use-case tests: inputs from the proto builders, recording fakes of
the announcer ports, and a workspace with a published v1."""

from __future__ import annotations

from agentconfig.kinds import entity_to_parts
from agentconfig.v1 import entities_pb2 as pb
from config_service.domain.model import Version
from config_service.service import drafts, publishing, workspaces
from config_service.service.drafts import EntityInput
from config_service.service.ports import Announcer, ChannelsAnnouncer, UnitOfWorkFactory
from tests.harness import builders as b


class RecordingAnnouncer(Announcer):
    def __init__(self) -> None:
        self.pokes = 0

    def poke(self) -> None:
        self.pokes += 1


class RecordingChannels(ChannelsAnnouncer):
    def __init__(self) -> None:
        self.changed: list[str] = []

    async def channels_changed(self, workspace_id: str) -> None:
        self.changed.append(workspace_id)


def item(entity: pb.Entity, path: str = "entity") -> EntityInput:
    parts = entity_to_parts(entity)
    assert parts is not None
    kind, entity_id, spec = parts
    return EntityInput(kind.name, entity_id, spec, path)


async def draft_with_agent(uowf: UnitOfWorkFactory, ws: str) -> int:
    """A workspace whose Draft holds a valid tool and an agent using it; its revision."""
    await workspaces.create_workspace(uowf, ws, "Test")
    await drafts.create_entity(uowf, ws, item(b.tool("weather")), 0, "ann")
    _, revision = await drafts.create_entity(
        uowf, ws, item(b.agent("support", tool_ids=["weather"])), 0, "ann")
    return revision


async def publish(uowf: UnitOfWorkFactory, ws: str, revision: int, request_id: str = "",
                  announcer: Announcer | None = None) -> Version:
    return await publishing.publish(uowf, announcer or RecordingAnnouncer(),
                                    publishing.PublishRequest(ws, "msg", "ann", request_id,
                                                              reviewed_revision=revision))


async def edit_agent(uowf: UnitOfWorkFactory, ws: str, instructions: str) -> int:
    current, _ = await drafts.get_entity(uowf, ws, ("agent", "support"))
    edited = b.agent("support", tool_ids=["weather"], instructions=instructions)
    _, revision = await drafts.update_entity(uowf, ws, item(edited), current.etag, "bob")
    return revision
