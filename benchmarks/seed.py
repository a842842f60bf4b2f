"""Benchmark data, seeded through the config service's public API (sync stubs)."""

from __future__ import annotations

import uuid
from typing import Any

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.harness import workspace

Metadata = tuple[tuple[str, str], ...]


def seed_workspace(stub: Any, ws: str, md: Metadata) -> None:
    stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws), metadata=md)
    applied = stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=workspace.entities()), metadata=md)
    stub.PublishDraft(cpb.PublishDraftRequest(workspace_id=ws, message="v1",
                                              reviewed_revision=applied.draft_revision),
                      metadata=md)
    stub.CreateChannel(cpb.CreateChannelRequest(workspace_id=ws, channel=cpb.Channel(
        channel_id="web", type=cpb.CHANNEL_TYPE_WEB_WIDGET, target_kind=pb.ENTITY_KIND_SQUAD,
        target_id="front-desk")), metadata=md)


def publish_change(stub: Any, ws: str, instructions: str, md: Metadata) -> int:
    applied = stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=[e for e in workspace.entities(instructions)
                                   if e.id == "support"]), metadata=md)
    published = stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, message="bench", reviewed_revision=applied.draft_revision,
        request_id=uuid.uuid4().hex), metadata=md)
    return int(published.version.number)
