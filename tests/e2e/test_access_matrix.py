"""Issue 5, item 1: every RPC x every role x own/other workspace, each with its expected
code. The expectations below are written out here, independently of the servers' policy
tables, so a mistake in either shows."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e.access_setup import ROLES, Secured, auth, secured
from tests.e2e.unknown_workspace import REQUESTS

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["secured"]

EDITOR = {"CreateDraftEntity", "UpdateDraftEntity", "DeleteDraftEntity", "ApplyDraftEntities",
          "RestoreVersion", "RestoreDraftBackup", "CreateTestCase", "UpdateTestCase",
          "DeleteTestCase", "CreateTestRun"}
PUBLISHER = {"PublishDraft", "RollbackToVersion", "StartRollout", "AdvanceRollout",
             "PromoteRollout", "AbortRollout", "SchedulePublish", "CancelSchedule"}
RUNTIME_ONLY = {"ReportOutcomeCounts"}  # no workspace key, whatever its role
ADMIN = {"CreateChannel", "UpdateChannel", "DeleteChannel", "CreateApiKey", "ListApiKeys",
         "RevokeApiKey", "ListAuditEvents", "UpdateWorkspaceSettings"}
LEVEL = {"viewer": 1, "editor": 2, "publisher": 3, "admin": 4, "channel": 0}


def config_needs(method: str) -> int:
    if method in RUNTIME_ONLY:
        return 5
    if method in ADMIN:
        return 4
    if method in PUBLISHER:
        return 3
    return 2 if method in EDITOR else 1


def _reason(exc: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


async def _code(call: Any) -> tuple[grpc.StatusCode, str]:
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        return exc.code(), _reason(exc)
    return grpc.StatusCode.OK, ""


CASES = [(m, r, t) for m in sorted(REQUESTS) for r in ROLES for t in ("own", "other")]


@pytest.mark.parametrize(("method", "role", "target"), CASES)
async def test_config_service(secured: Secured, method: str, role: str, target: str) -> None:
    ws = secured.own if target == "own" else secured.other
    call = getattr(secured.config.stub, method)(REQUESTS[method](ws),
                                                 metadata=auth(secured.keys[role]))
    code, reason = await _code(call)
    if LEVEL[role] < config_needs(method):
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED")
    elif target == "other":
        assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "WORKSPACE_NOT_FOUND")
    else:
        assert code not in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED,
                            grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL), (code, reason)
        assert reason != "WORKSPACE_NOT_FOUND"


def _runtime_request(method: str, ws: str) -> Any:
    return {
        "ResolveChannel": rpb.ResolveChannelRequest(workspace_id=ws, channel_id="web"),
        "ResolveAgent": rpb.ResolveAgentRequest(workspace_id=ws, agent_id="support"),
        "GetProductionSnapshot": rpb.GetProductionSnapshotRequest(workspace_id=ws),
        "Chat": rpb.ChatRequest(workspace_id=ws, target_kind=pb.ENTITY_KIND_AGENT,
                                target_id="support", source=rpb.CHAT_SOURCE_DRAFT,
                                message="hi"),
        "RunTests": rpb.RunTestsRequest(workspace_id=ws, source=rpb.TEST_TARGET_SOURCE_DRAFT),
        "ReportOutcomes": rpb.ReportOutcomesRequest(workspace_id=ws, events=[rpb.OutcomeEvent(
            conversation_id="c-1", version=1, outcome=rpb.TURN_OUTCOME_OK)]),
    }[method]


@pytest.mark.parametrize(("method", "role", "target"), [
    (m, r, t) for m in ("ResolveChannel", "ResolveAgent", "GetProductionSnapshot", "Chat",
                        "WatchProduction", "RunTests", "ReportOutcomes") for r in ROLES
    for t in ("own", "other")])
async def test_runtime_service(secured: Secured, method: str, role: str, target: str) -> None:
    ws = secured.own if target == "own" else secured.other
    stub = secured.runtime.stub
    if method == "WatchProduction":
        stream = stub.WatchProduction(rpb.WatchProductionRequest(workspace_id=ws),
                                      metadata=auth(secured.keys[role]))
        code, reason = await _code(stream.read())
        stream.cancel()
    else:
        code, reason = await _code(getattr(stub, method)(_runtime_request(method, ws),
                                                          metadata=auth(secured.keys[role])))
    allowed = LEVEL[role] >= 2 if method in ("Chat", "RunTests") else True
    if not allowed:
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED")
    elif target == "other":
        assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "WORKSPACE_NOT_FOUND")
    else:
        assert code == grpc.StatusCode.OK, (code, reason)


async def test_channel_keys_never_read_a_draft_or_an_old_version(secured: Secured) -> None:
    key = auth(secured.keys["channel"])
    from agentconfig.v1 import config_service_pb2 as cpb
    for call in (
        secured.runtime.stub.Chat(rpb.ChatRequest(
            workspace_id=secured.own, target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
            source=rpb.CHAT_SOURCE_VERSION, version=1, message="hi"), metadata=key),
        secured.config.stub.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(
            workspace_id=secured.own), metadata=key),
        secured.config.stub.GetVersion(cpb.GetVersionRequest(
            workspace_id=secured.own, version=1), metadata=key),
    ):
        assert (await _code(call))[0] == grpc.StatusCode.PERMISSION_DENIED
