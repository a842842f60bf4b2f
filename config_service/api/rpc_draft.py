"""Workspaces and the Draft: reads and optimistic-concurrency edits."""

from __future__ import annotations

from agentconfig.v1 import config_service_pb2 as cpb
from config_service.api import convert as cv
from config_service.api.rpc_base import CHANGE_ACTIONS, Ctx, RpcBase, author_of
from config_service.service import (
    drafts,
    history,
    workspaces,
)


class DraftRpcs(RpcBase):
    # workspaces ------------------------------------------------------------------------
    async def CreateWorkspace(self, request: cpb.CreateWorkspaceRequest, context: Ctx,
                              ) -> cpb.CreateWorkspaceResponse:
        ws = await workspaces.create_workspace(self._uowf, request.workspace_id,
                                               request.display_name)
        return cpb.CreateWorkspaceResponse(workspace=cv.workspace(ws))

    async def GetWorkspace(self, request: cpb.GetWorkspaceRequest, context: Ctx,
                           ) -> cpb.GetWorkspaceResponse:
        ws = await workspaces.get_workspace(self._uowf, request.workspace_id)
        return cpb.GetWorkspaceResponse(workspace=cv.workspace(ws))

    async def ListWorkspaces(self, request: cpb.ListWorkspacesRequest, context: Ctx,
                             ) -> cpb.ListWorkspacesResponse:
        rows, token = await workspaces.list_workspaces(self._uowf, request.page_size,
                                                       request.page_token)
        return cpb.ListWorkspacesResponse(workspaces=[cv.workspace(w) for w in rows],
                                          next_page_token=token)

    async def UpdateWorkspaceSettings(self, request: cpb.UpdateWorkspaceSettingsRequest,
                                      context: Ctx) -> cpb.UpdateWorkspaceSettingsResponse:
        given = request.settings
        ws = await workspaces.update_settings(self._uowf, request.workspace_id,
                                              workspaces.Settings(
                                                  given.two_person_rule,
                                                  tuple(given.live_tool_ids),
                                                  given.require_passing_tests),
                                              tuple(request.update_mask.paths))
        return cpb.UpdateWorkspaceSettingsResponse(workspace=cv.workspace(ws))

    # the Draft -------------------------------------------------------------------------
    async def GetDraft(self, request: cpb.GetDraftRequest, context: Ctx,
                       ) -> cpb.GetDraftResponse:
        ws, count = await drafts.get_draft(self._uowf, request.workspace_id)
        return cpb.GetDraftResponse(draft=cv.draft(ws, count))

    async def ListDraftEntities(self, request: cpb.ListDraftEntitiesRequest, context: Ctx,
                                ) -> cpb.ListDraftEntitiesResponse:
        kind = cv.kind_name(request.kind, "kind", optional=True)
        rows, token, revision = await drafts.list_entities(
            self._uowf, request.workspace_id, kind, request.page_size, request.page_token)
        return cpb.ListDraftEntitiesResponse(entities=[cv.draft_entity(e) for e in rows],
                                             next_page_token=token, draft_revision=revision)

    async def GetDraftEntity(self, request: cpb.GetDraftEntityRequest, context: Ctx,
                             ) -> cpb.GetDraftEntityResponse:
        key = cv.entity_key(request.kind, request.entity_id)
        entity, revision = await drafts.get_entity(self._uowf, request.workspace_id, key)
        return cpb.GetDraftEntityResponse(entity=cv.draft_entity(entity),
                                          draft_revision=revision)

    async def CreateDraftEntity(self, request: cpb.CreateDraftEntityRequest, context: Ctx,
                                ) -> cpb.CreateDraftEntityResponse:
        entity, revision = await drafts.create_entity(
            self._uowf, request.workspace_id, cv.entity_input(request.entity, "entity"),
            request.expected_revision, author_of(request.author, context))
        return cpb.CreateDraftEntityResponse(entity=cv.draft_entity(entity),
                                             draft_revision=revision)

    async def UpdateDraftEntity(self, request: cpb.UpdateDraftEntityRequest, context: Ctx,
                                ) -> cpb.UpdateDraftEntityResponse:
        entity, revision = await drafts.update_entity(
            self._uowf, request.workspace_id, cv.entity_input(request.entity, "entity"),
            request.etag, author_of(request.author, context))
        return cpb.UpdateDraftEntityResponse(entity=cv.draft_entity(entity),
                                             draft_revision=revision)

    async def DeleteDraftEntity(self, request: cpb.DeleteDraftEntityRequest, context: Ctx,
                                ) -> cpb.DeleteDraftEntityResponse:
        revision = await drafts.delete_entity(
            self._uowf, request.workspace_id, cv.entity_key(request.kind, request.entity_id),
            request.etag, author_of(request.author, context))
        return cpb.DeleteDraftEntityResponse(draft_revision=revision)

    async def ApplyDraftEntities(self, request: cpb.ApplyDraftEntitiesRequest, context: Ctx,
                                 ) -> cpb.ApplyDraftEntitiesResponse:
        items = [cv.entity_input(e, f"entities[{i}]") for i, e in enumerate(request.entities)]
        deletions = [cv.entity_key(d.kind, d.entity_id, f"deletions[{i}]")
                     for i, d in enumerate(request.deletions)]
        changes, revision = await drafts.apply(
            self._uowf, request.workspace_id, items, deletions, request.expected_revision,
            request.validate_only, author_of(request.author, context))
        return cpb.ApplyDraftEntitiesResponse(draft_revision=revision, changes=[
            cpb.EntityChange(kind=cv.kind_enum(c.kind), entity_id=c.entity_id,
                             action=CHANGE_ACTIONS[c.action], etag=c.etag) for c in changes])

    async def ValidateDraft(self, request: cpb.ValidateDraftRequest, context: Ctx,
                            ) -> cpb.ValidateDraftResponse:
        problems, revision = await drafts.validate(self._uowf, request.workspace_id)
        return cpb.ValidateDraftResponse(valid=not problems, draft_revision=revision,
                                         violations=[cv.violation(v) for v in problems])

    async def GetDraftSnapshot(self, request: cpb.GetDraftSnapshotRequest, context: Ctx,
                               ) -> cpb.GetDraftSnapshotResponse:
        revision, snap = await history.draft_snapshot_since(
            self._uowf, request.workspace_id, request.known_draft_revision)
        if snap is None:
            return cpb.GetDraftSnapshotResponse(unchanged=True, draft_revision=revision)
        return cpb.GetDraftSnapshotResponse(snapshot=cv.snapshot(snap), draft_revision=revision)

