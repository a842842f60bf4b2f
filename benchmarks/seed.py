"""Benchmark data, seeded through the config service's public API (sync stubs)."""

from __future__ import annotations

import uuid
from typing import Any

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.harness import workspace


def seed_workspace(stub: Any, ws: str) -> None:
    stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws))
    applied = stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=workspace.entities()))
    stub.PublishDraft(cpb.PublishDraftRequest(workspace_id=ws, message="v1",
                                              reviewed_revision=applied.draft_revision))
    stub.CreateChannel(cpb.CreateChannelRequest(workspace_id=ws, channel=cpb.Channel(
        channel_id="web", type=cpb.CHANNEL_TYPE_WEB_WIDGET, target_kind=pb.ENTITY_KIND_SQUAD,
        target_id="front-desk")))


def publish_change(stub: Any, ws: str, instructions: str) -> int:
    applied = stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=[e for e in workspace.entities(instructions)
                                   if e.id == "support"]))
    published = stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, message="bench", reviewed_revision=applied.draft_revision,
        request_id=uuid.uuid4().hex))
    return int(published.version.number)
