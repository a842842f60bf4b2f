"""The ConfigService servicer: each RPC checks the request shape, calls one use case and
converts the answer. Domain errors propagate to the error-mapping interceptor."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc

from agentconfig import errors
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from config_service.api import convert as cv
from config_service.domain.auth import current_principal
from config_service.service import audit, channels, drafts, history, keys, publishing, workspaces
from config_service.service.common import manifest_hash
from config_service.service.ports import (
    Announcer,
    ChannelsAnnouncer,
    KeysAnnouncer,
    Manifest,
    RolloutReader,
    UnitOfWorkFactory,
)
from config_service.service.rollout import rollout_status

Ctx = grpc.aio.ServicerContext[Any, Any]

_ACTIONS = {"created": cpb.CHANGE_ACTION_CREATED, "updated": cpb.CHANGE_ACTION_UPDATED,
            "unchanged": cpb.CHANGE_ACTION_UNCHANGED, "deleted": cpb.CHANGE_ACTION_DELETED}


def _expire_time(request: cpb.CreateApiKeyRequest) -> datetime | None:
    if not request.HasField("expire_time"):
        return None
    try:
        return request.expire_time.ToDatetime(UTC)
    except ValueError as exc:  # seconds or nanos out of the Timestamp's range
        raise errors.invalid("expire_time", "is not a valid timestamp (years 1-9999, nanos "
                             "0-999999999)", "BAD_TIMESTAMP") from exc


def _author(given: str, context: Ctx) -> str:
    """An authenticated caller is the author; with authentication off, the request (or the
    x-agentconfig-user metadata) names one."""
    principal = current_principal.get()
    if principal.kind != "anonymous":
        return principal.name
    if given:
        return given
    for key, value in context.invocation_metadata() or ():
        if key == "x-agentconfig-user":
            return str(value)
    return "anonymous"


class ConfigServicer(cgrpc.ConfigServiceServicer):
    def __init__(self, uowf: UnitOfWorkFactory, announcer: Announcer,
                 rollout: RolloutReader, channels: ChannelsAnnouncer,
                 keys_announcer: KeysAnnouncer) -> None:
        self._uowf = uowf
        self._announcer = announcer
        self._rollout = rollout
        self._channels = channels
        self._keys = keys_announcer

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
        ws = await workspaces.update_settings(self._uowf, request.workspace_id,
                                              request.settings.two_person_rule)
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
            request.expected_revision, _author(request.author, context))
        return cpb.CreateDraftEntityResponse(entity=cv.draft_entity(entity),
                                             draft_revision=revision)

    async def UpdateDraftEntity(self, request: cpb.UpdateDraftEntityRequest, context: Ctx,
                                ) -> cpb.UpdateDraftEntityResponse:
        entity, revision = await drafts.update_entity(
            self._uowf, request.workspace_id, cv.entity_input(request.entity, "entity"),
            request.etag, _author(request.author, context))
        return cpb.UpdateDraftEntityResponse(entity=cv.draft_entity(entity),
                                             draft_revision=revision)

    async def DeleteDraftEntity(self, request: cpb.DeleteDraftEntityRequest, context: Ctx,
                                ) -> cpb.DeleteDraftEntityResponse:
        revision = await drafts.delete_entity(
            self._uowf, request.workspace_id, cv.entity_key(request.kind, request.entity_id),
            request.etag, _author(request.author, context))
        return cpb.DeleteDraftEntityResponse(draft_revision=revision)

    async def ApplyDraftEntities(self, request: cpb.ApplyDraftEntitiesRequest, context: Ctx,
                                 ) -> cpb.ApplyDraftEntitiesResponse:
        items = [cv.entity_input(e, f"entities[{i}]") for i, e in enumerate(request.entities)]
        deletions = [cv.entity_key(d.kind, d.entity_id, f"deletions[{i}]")
                     for i, d in enumerate(request.deletions)]
        changes, revision = await drafts.apply(
            self._uowf, request.workspace_id, items, deletions, request.expected_revision,
            request.validate_only, _author(request.author, context))
        return cpb.ApplyDraftEntitiesResponse(draft_revision=revision, changes=[
            cpb.EntityChange(kind=cv.kind_enum(c.kind), entity_id=c.entity_id,
                             action=_ACTIONS[c.action], etag=c.etag) for c in changes])

    async def ValidateDraft(self, request: cpb.ValidateDraftRequest, context: Ctx,
                            ) -> cpb.ValidateDraftResponse:
        problems, revision = await drafts.validate(self._uowf, request.workspace_id)
        return cpb.ValidateDraftResponse(valid=not problems, draft_revision=revision,
                                         violations=[cv.violation(v) for v in problems])

    async def GetDraftSnapshot(self, request: cpb.GetDraftSnapshotRequest, context: Ctx,
                               ) -> cpb.GetDraftSnapshotResponse:
        snap = await history.draft_snapshot(self._uowf, request.workspace_id)
        return cpb.GetDraftSnapshotResponse(snapshot=cv.snapshot(snap))

    # diff, publish, history --------------------------------------------------------------
    async def DiffDraft(self, request: cpb.DiffDraftRequest, context: Ctx,
                        ) -> cpb.DiffDraftResponse:
        entries, ws, old, new = await history.diff_draft(self._uowf, request.workspace_id)
        return cpb.DiffDraftResponse(
            diff=cv.diff(entries, _hash(old), _hash(new)), draft_revision=ws.draft_revision,
            production_version=ws.production_version)

    async def DiffVersions(self, request: cpb.DiffVersionsRequest, context: Ctx,
                           ) -> cpb.DiffVersionsResponse:
        entries, old, new = await history.diff_versions(
            self._uowf, request.workspace_id, request.from_version, request.to_version)
        return cpb.DiffVersionsResponse(diff=cv.diff(entries, _hash(old), _hash(new)))

    async def PublishDraft(self, request: cpb.PublishDraftRequest, context: Ctx,
                           ) -> cpb.PublishDraftResponse:
        version = await publishing.publish(self._uowf, self._announcer, publishing.PublishRequest(
            request.workspace_id, request.message, _author(request.author, context),
            request.request_id, reviewed_revision=request.reviewed_revision))
        return cpb.PublishDraftResponse(version=cv.version(version))

    async def RollbackToVersion(self, request: cpb.RollbackToVersionRequest, context: Ctx,
                                ) -> cpb.RollbackToVersionResponse:
        version = await publishing.publish(self._uowf, self._announcer, publishing.PublishRequest(
            request.workspace_id, request.message or f"rollback to v{request.version}",
            _author(request.author, context), request.request_id,
            restore_version=request.version))
        return cpb.RollbackToVersionResponse(version=cv.version(version))

    async def ListVersions(self, request: cpb.ListVersionsRequest, context: Ctx,
                           ) -> cpb.ListVersionsResponse:
        rows, token = await history.list_versions(self._uowf, request.workspace_id,
                                                  request.page_size, request.page_token)
        return cpb.ListVersionsResponse(versions=[cv.version(v) for v in rows],
                                        next_page_token=token)

    async def GetVersion(self, request: cpb.GetVersionRequest, context: Ctx,
                         ) -> cpb.GetVersionResponse:
        version, snap = await history.get_version(
            self._uowf, request.workspace_id, request.version,
            request.view != cpb.VERSION_VIEW_BASIC)
        return cpb.GetVersionResponse(version=cv.version(version),
                                      snapshot=cv.snapshot(snap) if snap else None)

    async def GetProduction(self, request: cpb.GetProductionRequest, context: Ctx,
                            ) -> cpb.GetProductionResponse:
        version, snap = await history.get_production(
            self._uowf, request.workspace_id, request.view != cpb.VERSION_VIEW_BASIC)
        return cpb.GetProductionResponse(version=cv.version(version),
                                         snapshot=cv.snapshot(snap) if snap else None)

    async def RestoreVersion(self, request: cpb.RestoreVersionRequest, context: Ctx,
                             ) -> cpb.RestoreVersionResponse:
        revision, backup = await history.restore_version(
            self._uowf, request.workspace_id, request.version, request.draft_revision,
            _author(request.author, context))
        return cpb.RestoreVersionResponse(draft_revision=revision, backup_id=backup)

    async def ListDraftBackups(self, request: cpb.ListDraftBackupsRequest, context: Ctx,
                               ) -> cpb.ListDraftBackupsResponse:
        rows, token = await history.list_backups(self._uowf, request.workspace_id,
                                                 request.page_size, request.page_token)
        return cpb.ListDraftBackupsResponse(backups=[cv.backup(b) for b in rows],
                                            next_page_token=token)

    async def RestoreDraftBackup(self, request: cpb.RestoreDraftBackupRequest, context: Ctx,
                                 ) -> cpb.RestoreDraftBackupResponse:
        revision, backup = await history.restore_backup(
            self._uowf, request.workspace_id, request.backup_id, request.draft_revision,
            _author(request.author, context))
        return cpb.RestoreDraftBackupResponse(draft_revision=revision, backup_id=backup)

    async def GetRolloutStatus(self, request: cpb.GetRolloutStatusRequest, context: Ctx,
                               ) -> cpb.GetRolloutStatusResponse:
        status = await rollout_status(self._uowf, self._rollout, request.workspace_id)
        return cpb.GetRolloutStatusResponse(
            production_version=status.production_version, live_replicas=status.live,
            total_replicas=len(status.replicas), replicas=[
                cpb.ReplicaRollout(replica_id=r.replica_id, version=r.version,
                                   content_hash=r.content_hash, load_time=cv.ts(r.load_time),
                                   report_time=cv.ts(r.report_time)) for r in status.replicas])

    # access --------------------------------------------------------------------------------
    async def CreateApiKey(self, request: cpb.CreateApiKeyRequest, context: Ctx,
                           ) -> cpb.CreateApiKeyResponse:
        expire = _expire_time(request)
        record, secret = await keys.create_key(
            self._uowf, request.workspace_id, cv.role(request.role), request.display_name,
            expire, list(request.channel_ids))
        return cpb.CreateApiKeyResponse(api_key=cv.api_key(record), secret=secret)

    async def ListApiKeys(self, request: cpb.ListApiKeysRequest, context: Ctx,
                          ) -> cpb.ListApiKeysResponse:
        rows, token = await keys.list_keys(self._uowf, request.workspace_id,
                                           request.page_size, request.page_token)
        return cpb.ListApiKeysResponse(api_keys=[cv.api_key(k) for k in rows],
                                       next_page_token=token)

    async def RevokeApiKey(self, request: cpb.RevokeApiKeyRequest, context: Ctx,
                           ) -> cpb.RevokeApiKeyResponse:
        record = await keys.revoke_key(self._uowf, self._keys, request.workspace_id,
                                       request.key_id)
        return cpb.RevokeApiKeyResponse(api_key=cv.api_key(record))

    async def IntrospectApiKey(self, request: cpb.IntrospectApiKeyRequest, context: Ctx,
                               ) -> cpb.IntrospectApiKeyResponse:
        record = await keys.introspect(self._uowf, request.key_id)
        return cpb.IntrospectApiKeyResponse(api_key=cv.api_key(record),
                                            secret_sha256=record.secret_sha256)

    async def ListAuditEvents(self, request: cpb.ListAuditEventsRequest, context: Ctx,
                              ) -> cpb.ListAuditEventsResponse:
        rows, token = await audit.list_events(self._uowf, request.workspace_id,
                                              request.page_size, request.page_token)
        return cpb.ListAuditEventsResponse(events=[cv.audit_event(e) for e in rows],
                                           next_page_token=token)

    # channels (live) ---------------------------------------------------------------------
    async def CreateChannel(self, request: cpb.CreateChannelRequest, context: Ctx,
                            ) -> cpb.CreateChannelResponse:
        created = await channels.create_channel(self._uowf, self._channels, request.workspace_id,
                                                cv.channel_input(request.channel))
        return cpb.CreateChannelResponse(channel=cv.channel(created))

    async def GetChannel(self, request: cpb.GetChannelRequest, context: Ctx,
                         ) -> cpb.GetChannelResponse:
        found = await channels.get_channel(self._uowf, request.workspace_id, request.channel_id)
        return cpb.GetChannelResponse(channel=cv.channel(found))

    async def ListChannels(self, request: cpb.ListChannelsRequest, context: Ctx,
                           ) -> cpb.ListChannelsResponse:
        rows, token = await channels.list_channels(self._uowf, request.workspace_id,
                                                   request.page_size, request.page_token)
        return cpb.ListChannelsResponse(channels=[cv.channel(c) for c in rows],
                                        next_page_token=token)

    async def UpdateChannel(self, request: cpb.UpdateChannelRequest, context: Ctx,
                            ) -> cpb.UpdateChannelResponse:
        updated = await channels.update_channel(self._uowf, self._channels, request.workspace_id,
                                                cv.channel_input(request.channel),
                                                request.channel.etag)
        return cpb.UpdateChannelResponse(channel=cv.channel(updated))

    async def DeleteChannel(self, request: cpb.DeleteChannelRequest, context: Ctx,
                            ) -> cpb.DeleteChannelResponse:
        await channels.delete_channel(self._uowf, self._channels, request.workspace_id,
                                      request.channel_id, request.etag)
        return cpb.DeleteChannelResponse()


def _hash(manifest: Manifest) -> str:
    return manifest_hash(manifest) if manifest else ""
