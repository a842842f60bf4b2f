"""For every ConfigService RPC that names a workspace: an otherwise well-formed request, so
that the only thing wrong is a workspace that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import rollouts_pb2 as ropb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import schedules_pb2 as spb
from agentconfig.v1 import testing_pb2 as tpb
from tests.harness import builders as b

AGENT = pb.ENTITY_KIND_AGENT


def all_methods() -> set[str]:
    service = cpb.DESCRIPTOR.services_by_name["ConfigService"]
    return {m.name for m in service.methods}


def _test_case() -> tpb.TestCase:
    return tpb.TestCase(test_case_id="hello", target_kind=AGENT, target_id="support", turns=[
        tpb.TestTurn(user_message="Hi", script=rpb.ScriptedTurn(moves=[rpb.ModelMove(
            reply="Hello")]))])


def _in_an_hour() -> Timestamp:
    out = Timestamp()
    out.FromDatetime(datetime.now(UTC) + timedelta(hours=1))
    return out


def _channel() -> cpb.Channel:
    return cpb.Channel(channel_id="web", type=cpb.CHANNEL_TYPE_API, target_kind=AGENT,
                       target_id="support", etag="e")


REQUESTS: dict[str, Callable[[str], Message]] = {
    "GetWorkspace": lambda ws: cpb.GetWorkspaceRequest(workspace_id=ws),
    "GetDraft": lambda ws: cpb.GetDraftRequest(workspace_id=ws),
    "ListDraftEntities": lambda ws: cpb.ListDraftEntitiesRequest(workspace_id=ws),
    "GetDraftEntity": lambda ws: cpb.GetDraftEntityRequest(
        workspace_id=ws, kind=AGENT, entity_id="support"),
    "CreateDraftEntity": lambda ws: cpb.CreateDraftEntityRequest(
        workspace_id=ws, entity=b.voice()),
    "UpdateDraftEntity": lambda ws: cpb.UpdateDraftEntityRequest(
        workspace_id=ws, entity=b.voice(), etag="e"),
    "DeleteDraftEntity": lambda ws: cpb.DeleteDraftEntityRequest(
        workspace_id=ws, kind=AGENT, entity_id="support", etag="e"),
    "ApplyDraftEntities": lambda ws: cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=[b.voice()]),
    "ValidateDraft": lambda ws: cpb.ValidateDraftRequest(workspace_id=ws),
    "GetDraftSnapshot": lambda ws: cpb.GetDraftSnapshotRequest(workspace_id=ws),
    "DiffDraft": lambda ws: cpb.DiffDraftRequest(workspace_id=ws),
    "DiffVersions": lambda ws: cpb.DiffVersionsRequest(
        workspace_id=ws, from_version=1, to_version=2),
    "PublishDraft": lambda ws: cpb.PublishDraftRequest(workspace_id=ws, reviewed_revision=1),
    "ListVersions": lambda ws: cpb.ListVersionsRequest(workspace_id=ws),
    "GetVersion": lambda ws: cpb.GetVersionRequest(workspace_id=ws, version=1),
    "GetProduction": lambda ws: cpb.GetProductionRequest(workspace_id=ws),
    "GetVersionChanges": lambda ws: cpb.GetVersionChangesRequest(
        workspace_id=ws, from_version=1, to_version=1),
    "RestoreVersion": lambda ws: cpb.RestoreVersionRequest(
        workspace_id=ws, version=1, draft_revision=1),
    "ListDraftBackups": lambda ws: cpb.ListDraftBackupsRequest(workspace_id=ws),
    "RestoreDraftBackup": lambda ws: cpb.RestoreDraftBackupRequest(
        workspace_id=ws, backup_id="b", draft_revision=1),
    "RollbackToVersion": lambda ws: cpb.RollbackToVersionRequest(workspace_id=ws, version=1),
    "GetRolloutStatus": lambda ws: cpb.GetRolloutStatusRequest(workspace_id=ws),
    "StartRollout": lambda ws: ropb.StartRolloutRequest(workspace_id=ws, candidate_version=2,
                                                        steps_bp=[1000]),
    "GetRollout": lambda ws: ropb.GetRolloutRequest(workspace_id=ws),
    "ListRollouts": lambda ws: ropb.ListRolloutsRequest(workspace_id=ws),
    "AdvanceRollout": lambda ws: ropb.AdvanceRolloutRequest(workspace_id=ws, rollout_id="r"),
    "PromoteRollout": lambda ws: ropb.PromoteRolloutRequest(workspace_id=ws, rollout_id="r"),
    "AbortRollout": lambda ws: ropb.AbortRolloutRequest(workspace_id=ws, rollout_id="r"),
    "ReportOutcomeCounts": lambda ws: ropb.ReportOutcomeCountsRequest(
        workspace_id=ws, rollout_id="r", reporter="rt-1"),
    "SchedulePublish": lambda ws: spb.SchedulePublishRequest(
        workspace_id=ws, reviewed_revision=1, run_time=_in_an_hour()),
    "ListSchedules": lambda ws: spb.ListSchedulesRequest(workspace_id=ws),
    "CancelSchedule": lambda ws: spb.CancelScheduleRequest(workspace_id=ws, schedule_id="s"),
    "CreateChannel": lambda ws: cpb.CreateChannelRequest(workspace_id=ws, channel=_channel()),
    "GetChannel": lambda ws: cpb.GetChannelRequest(workspace_id=ws, channel_id="web"),
    "ListChannels": lambda ws: cpb.ListChannelsRequest(workspace_id=ws),
    "UpdateChannel": lambda ws: cpb.UpdateChannelRequest(workspace_id=ws, channel=_channel()),
    "DeleteChannel": lambda ws: cpb.DeleteChannelRequest(
        workspace_id=ws, channel_id="web", etag="e"),
    "UpdateWorkspaceSettings": lambda ws: cpb.UpdateWorkspaceSettingsRequest(
        workspace_id=ws, settings=cpb.WorkspaceSettings(two_person_rule=True)),
    "CreateApiKey": lambda ws: cpb.CreateApiKeyRequest(workspace_id=ws, role=cpb.ROLE_VIEWER),
    "ListApiKeys": lambda ws: cpb.ListApiKeysRequest(workspace_id=ws),
    "RevokeApiKey": lambda ws: cpb.RevokeApiKeyRequest(workspace_id=ws, key_id="abc"),
    "ListAuditEvents": lambda ws: cpb.ListAuditEventsRequest(workspace_id=ws),
    "CreateTestCase": lambda ws: tpb.CreateTestCaseRequest(workspace_id=ws,
                                                           test_case=_test_case()),
    "GetTestCase": lambda ws: tpb.GetTestCaseRequest(workspace_id=ws, test_case_id="hello"),
    "ListTestCases": lambda ws: tpb.ListTestCasesRequest(workspace_id=ws),
    "UpdateTestCase": lambda ws: tpb.UpdateTestCaseRequest(
        workspace_id=ws, test_case=_test_case(), etag="e"),
    "DeleteTestCase": lambda ws: tpb.DeleteTestCaseRequest(
        workspace_id=ws, test_case_id="hello", etag="e"),
    "CreateTestRun": lambda ws: tpb.CreateTestRunRequest(workspace_id=ws, test_run=tpb.TestRun(
        source=rpb.TEST_TARGET_SOURCE_DRAFT, content_hash="ab" * 32)),
    "GetTestRun": lambda ws: tpb.GetTestRunRequest(workspace_id=ws, test_run_id="r"),
    "ListTestRuns": lambda ws: tpb.ListTestRunsRequest(workspace_id=ws),
    "DiffTestRuns": lambda ws: tpb.DiffTestRunsRequest(
        workspace_id=ws, base_test_run_id="a", head_test_run_id="b"),
}
