"""Issue 2, item 5: a table of bad inputs through the real gRPC stub. Each row gives its
status code, ErrorInfo, and for INVALID_ARGUMENT the BadRequest field path; no row yields
UNKNOWN or INTERNAL, and a refused write leaves the workspace exactly as it was."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import testing_pb2 as tpb
from tests.e2e.bad_input_cases_draft import CASES as DRAFT_CASES
from tests.e2e.bad_input_cases_history import CASES as HISTORY_CASES
from tests.e2e.bad_input_cases_rollouts import CASES as ROLLOUT_CASES
from tests.e2e.bad_input_cases_testing import CASES as TESTING_CASES
from tests.e2e.bad_input_setup import Case, World, make_world
from tests.e2e.unknown_workspace import REQUESTS, all_methods
from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
CASES = DRAFT_CASES + HISTORY_CASES + TESTING_CASES + ROLLOUT_CASES
NEVER = (grpc.StatusCode.UNKNOWN, grpc.StatusCode.INTERNAL, grpc.StatusCode.OK)


async def _state(w: World) -> tuple[Any, ...]:
    s = w.stub
    ws = (await s.GetWorkspace(cpb.GetWorkspaceRequest(workspace_id=w.ws))).workspace
    snap = await s.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(workspace_id=w.ws))
    chans = await s.ListChannels(cpb.ListChannelsRequest(workspace_id=w.ws))
    backups = await s.ListDraftBackups(cpb.ListDraftBackupsRequest(workspace_id=w.ws))
    cases = await s.ListTestCases(tpb.ListTestCasesRequest(workspace_id=w.ws))
    runs = await s.ListTestRuns(tpb.ListTestRunsRequest(workspace_id=w.ws))
    return (ws.draft_revision, ws.latest_version, ws.production_version,
            snap.snapshot.content_hash, [c.SerializeToString() for c in chans.channels],
            len(backups.backups), ws.settings.SerializeToString(),
            [c.SerializeToString() for c in cases.test_cases], len(runs.test_runs))


def _details(exc: grpc.aio.AioRpcError) -> tuple[str, list[tuple[str, str]]]:
    """ErrorInfo.reason and the BadRequest (field, reason) pairs."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    assert status is not None, f"no google.rpc.Status details on {exc.code()}"
    reason, fields = "", []
    for detail in status.details:
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        if detail.Unpack(info):
            reason = info.reason
            assert info.domain == "agentconfig.dev"
        elif detail.Unpack(bad):
            fields = [(v.field, v.reason) for v in bad.field_violations]
            assert all(v.description and v.reason for v in bad.field_violations)
    return reason, fields


async def _call(w: World, method: str, request: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await getattr(w.stub, method)(request)
    return refused.value


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_bad_input(config: ConfigHandle, case: Case) -> None:
    world = await make_world(config.stub)
    if case.prepare is not None:
        await case.prepare(world)
    before = await _state(world)
    method, request = case.request(world)
    exc = await _call(world, method, request)
    assert exc.code() not in NEVER
    assert exc.code() == case.code, exc.details()
    assert "Traceback" not in (exc.details() or "")
    if case.by_grpc:
        assert rpc_status.from_call(exc) is None  # type: ignore[arg-type]
    else:
        reason, fields = _details(exc)
        assert reason and reason == reason.upper()
        invalid = case.code == grpc.StatusCode.INVALID_ARGUMENT
        if invalid:
            assert case.field, "every INVALID_ARGUMENT row names its field"
        if case.field:
            assert case.field in [f for f, _ in fields], (case.field, fields)
        if case.reason and invalid:
            assert (case.field, case.reason) in fields
        elif case.reason:
            assert reason == case.reason
    assert await _state(world) == before


def test_case_ids_are_unique() -> None:
    assert len({c.id for c in CASES}) == len(CASES)


def test_every_rpc_has_an_unknown_workspace_row() -> None:
    # the four that name no workspace
    assert set(REQUESTS) == all_methods() - {"CreateWorkspace", "ListWorkspaces",
                                             "IntrospectApiKey", "GetCaller"}


@pytest.mark.parametrize("method", sorted(REQUESTS))
async def test_unknown_workspace(config: ConfigHandle, method: str) -> None:
    world = World(config.stub, "ws-never-created", "", "", "", 0, "")
    exc = await _call(world, method, REQUESTS[method]("ws-never-created"))
    assert exc.code() == grpc.StatusCode.NOT_FOUND, (method, exc.details())
    assert _details(exc)[0] == "WORKSPACE_NOT_FOUND"
