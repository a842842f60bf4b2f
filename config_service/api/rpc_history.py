"""Diff, publish, history, restore and rollout status."""

from __future__ import annotations

from agentconfig.kinds import entity_from_parts
from agentconfig.v1 import config_service_pb2 as cpb
from config_service.api import convert as cv
from config_service.api import convert_rollouts as cr
from config_service.api.rpc_base import Ctx, RpcBase, author_of
from config_service.service import (
    history,
    publishing,
    rollout_reads,
    version_changes,
)
from config_service.service.rollout import rollout_status


class HistoryRpcs(RpcBase):
    # diff, publish, history --------------------------------------------------------------
    async def DiffDraft(self, request: cpb.DiffDraftRequest, context: Ctx,
                        ) -> cpb.DiffDraftResponse:
        # Each side's hash is the one GetVersion / GetDraftSnapshot give (an empty Draft
        # hashes `[]`); only a Production that does not exist yet has none.
        entries, ws, production, draft = await history.diff_draft(self._uowf,
                                                                   request.workspace_id)
        return cpb.DiffDraftResponse(
            diff=cv.diff(entries, production, draft),
            draft_revision=ws.draft_revision, production_version=ws.production_version)

    async def DiffVersions(self, request: cpb.DiffVersionsRequest, context: Ctx,
                           ) -> cpb.DiffVersionsResponse:
        entries, old, new = await history.diff_versions(
            self._uowf, request.workspace_id, request.from_version, request.to_version)
        return cpb.DiffVersionsResponse(diff=cv.diff(entries, old, new))

    async def PublishDraft(self, request: cpb.PublishDraftRequest, context: Ctx,
                           ) -> cpb.PublishDraftResponse:
        version = await publishing.publish(self._uowf, self._announcer, publishing.PublishRequest(
            request.workspace_id, request.message, author_of(request.author, context),
            request.request_id, reviewed_revision=request.reviewed_revision,
            stage_only=request.stage_only, abort_rollout=request.abort_rollout))
        return cpb.PublishDraftResponse(version=cv.version(version))

    async def RollbackToVersion(self, request: cpb.RollbackToVersionRequest, context: Ctx,
                                ) -> cpb.RollbackToVersionResponse:
        version = await publishing.publish(self._uowf, self._announcer, publishing.PublishRequest(
            request.workspace_id, request.message or f"rollback to v{request.version}",
            author_of(request.author, context), request.request_id,
            restore_version=request.version, abort_rollout=request.abort_rollout))
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

    async def GetVersionChanges(self, request: cpb.GetVersionChangesRequest, context: Ctx,
                                ) -> cpb.GetVersionChangesResponse:
        delta = await version_changes.version_changes(
            self._uowf, request.workspace_id, request.from_version, request.to_version)
        return cpb.GetVersionChangesResponse(
            version=cv.version(delta.version), from_version=delta.from_version,
            changed=[cpb.ChangedEntity(entity=entity_from_parts(k, i, spec),
                                       content_hash=digest)
                     for (k, i), (digest, spec) in sorted(delta.changed.items())],
            removed=[cpb.RemovedEntity(kind=cv.kind_enum(k), entity_id=i)
                     for k, i in delta.removed])

    async def RestoreVersion(self, request: cpb.RestoreVersionRequest, context: Ctx,
                             ) -> cpb.RestoreVersionResponse:
        revision, backup = await history.restore_version(
            self._uowf, request.workspace_id, request.version, request.draft_revision,
            author_of(request.author, context))
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
            author_of(request.author, context))
        return cpb.RestoreDraftBackupResponse(draft_revision=revision, backup_id=backup)

    async def GetRolloutStatus(self, request: cpb.GetRolloutStatusRequest, context: Ctx,
                               ) -> cpb.GetRolloutStatusResponse:
        status = await rollout_status(self._uowf, self._rollout, request.workspace_id)
        staged = await rollout_reads.active(self._uowf, request.workspace_id)
        return cpb.GetRolloutStatusResponse(
            rollout=cr.rollout(staged) if staged else None,
            production_version=status.production_version, live_replicas=status.live,
            total_replicas=len(status.replicas), replicas=[
                cpb.ReplicaRollout(replica_id=r.replica_id, version=r.version,
                                   content_hash=r.content_hash, load_time=cv.ts(r.load_time),
                                   report_time=cv.ts(r.report_time),
                                   rollout_sequence=r.rollout_sequence)
                for r in status.replicas])

