"""RunTests end to end: the runtime reads a workspace's test cases from the config service
with the caller's key, runs them through the simulator against the Draft, a version or
Production, and stores the run there; the example suite passes on the example Draft."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from tests.e2e.access_setup import Secured, auth, secured
from tests.harness import builders as b
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service
from tests.harness.suites import SUITE, example_workspace

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["secured"]
DRAFT, VERSION, PRODUCTION = (rpb.TEST_TARGET_SOURCE_DRAFT, rpb.TEST_TARGET_SOURCE_VERSION,
                              rpb.TEST_TARGET_SOURCE_PRODUCTION)


@pytest_asyncio.fixture(loop_scope="session")
async def runtime(config: ConfigHandle, redis_server: RedisServer, tmp_path: Path,
                  ) -> AsyncIterator[RuntimeHandle]:
    handle = await start_runtime_service(config.address, redis_server.url, str(tmp_path))
    yield handle
    await handle.stop()


async def _run(runtime: RuntimeHandle, config: ConfigHandle, ws: str, source: int,
               version: int = 0, ids: tuple[str, ...] = ()) -> tpb.TestRun:
    answer = await runtime.stub.RunTests(rpb.RunTestsRequest(
        workspace_id=ws, source=source, version=version, test_case_ids=ids))  # type: ignore[arg-type]
    run = (await config.stub.GetTestRun(tpb.GetTestRunRequest(
        workspace_id=ws, test_run_id=answer.test_run_id))).test_run
    assert (answer.passed_count, answer.failed_count) == (run.passed_count, run.failed_count)
    return run


def _failures(run: tpb.TestRun) -> list[str]:
    return [f"{c.test_case_id}: {c.error} " + "; ".join(
        f"turn {t.index}: {e.expectation} expected {e.expected!r} observed {e.observed!r}"
        for t in c.turns for e in t.expectations if not e.passed)
        for c in run.cases if not c.passed]


async def test_the_example_suite_passes_on_the_example_draft(
        config: ConfigHandle, runtime: RuntimeHandle, ws_id: str) -> None:
    revision = await example_workspace(config.stub, ws_id)
    run = await _run(runtime, config, ws_id, DRAFT)
    assert _failures(run) == []
    assert [c.test_case_id for c in run.cases] == list(SUITE)
    assert (run.source, run.draft_revision, run.passed_count) == (DRAFT, revision, 3)
    handoff = next(c for c in run.cases if c.test_case_id == "invoice-handoff")
    assert [t.trace.answering_agent_id for t in handoff.turns] == ["support", "billing",
                                                                    "billing"]
    assert all(not t.trace.effective_instructions for t in handoff.turns)
    mocked = next(c for c in run.cases if c.test_case_id == "order-status-mock")
    [call] = [t for t in mocked.turns[0].trace.tool_calls if t.call.tool == "order-status"]
    assert call.outcome == rpb.TOOL_OUTCOME_MOCKED
    assert run.created_by == "anonymous"


async def test_versions_production_and_cases_that_cannot_run(
        config: ConfigHandle, runtime: RuntimeHandle, ws_id: str) -> None:
    s = config.stub
    revision = await example_workspace(s, ws_id)
    with pytest.raises(grpc.aio.AioRpcError) as none:
        await _run(runtime, config, ws_id, PRODUCTION)
    assert none.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    await s.PublishDraft(cpb.PublishDraftRequest(workspace_id=ws_id,
                                                 reviewed_revision=revision, message="v1"))
    on_v1 = await _run(runtime, config, ws_id, VERSION, 1)
    on_production = await _run(runtime, config, ws_id, PRODUCTION, ids=("invoice-handoff",))
    assert (on_v1.version, on_v1.passed_count) == (1, 3)
    assert (on_production.source, on_production.version) == (PRODUCTION, 1)
    assert [c.test_case_id for c in on_production.cases] == ["invoice-handoff"]

    helper = await s.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws_id, entity=b.agent("helper")))
    await s.CreateTestCase(tpb.CreateTestCaseRequest(workspace_id=ws_id, test_case=tpb.TestCase(
        test_case_id="helper-hello", target_kind=pb.ENTITY_KIND_AGENT, target_id="helper",
        turns=[tpb.TestTurn(user_message="Hello", script=rpb.ScriptedTurn(
            moves=[rpb.ModelMove(reply="Hi")]))])))
    await s.DeleteDraftEntity(cpb.DeleteDraftEntityRequest(
        workspace_id=ws_id, kind=pb.ENTITY_KIND_AGENT, entity_id="helper",
        etag=helper.entity.etag))
    run = await _run(runtime, config, ws_id, DRAFT)
    assert (run.passed_count, run.failed_count) == (3, 1)
    [failed] = [c for c in run.cases if not c.passed]
    assert failed.test_case_id == "helper-hello" and "helper" in failed.error
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await _run(runtime, config, ws_id, DRAFT, ids=("no-such-case",))
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


BAD: list[tuple[str, dict[str, object], grpc.StatusCode, str]] = [
    ("no source", {}, grpc.StatusCode.INVALID_ARGUMENT, "source"),
    ("unknown source", {"source": 9}, grpc.StatusCode.INVALID_ARGUMENT, "source"),
    ("version 0", {"source": VERSION}, grpc.StatusCode.INVALID_ARGUMENT, "version"),
    ("too many ids", {"source": DRAFT, "test_case_ids": [f"c{i}" for i in range(501)]},
     grpc.StatusCode.INVALID_ARGUMENT, "test_case_ids"),
    ("no workspace", {"source": DRAFT, "workspace_id": ""}, grpc.StatusCode.INVALID_ARGUMENT,
     "workspace_id"),
    ("unknown workspace", {"source": DRAFT, "workspace_id": "ws-never-created"},
     grpc.StatusCode.NOT_FOUND, "WORKSPACE_NOT_FOUND"),
    ("unknown case", {"source": DRAFT, "test_case_ids": ["nope"]}, grpc.StatusCode.NOT_FOUND,
     "TEST_CASE_NOT_FOUND"),
    ("unknown version", {"source": VERSION, "version": 99}, grpc.StatusCode.NOT_FOUND,
     "VERSION_NOT_FOUND"),
    ("nothing published", {"source": PRODUCTION}, grpc.StatusCode.FAILED_PRECONDITION,
     "NO_PRODUCTION"),
]


@pytest.mark.parametrize(("fields", "code", "detail"), [b[1:] for b in BAD],
                         ids=[b[0] for b in BAD])
async def test_bad_input(config: ConfigHandle, runtime: RuntimeHandle, ws_id: str,
                         fields: dict[str, object], code: grpc.StatusCode, detail: str) -> None:
    """Each refusal names its field (INVALID_ARGUMENT) or reason, and stores no run."""
    await example_workspace(config.stub, ws_id)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await runtime.stub.RunTests(rpb.RunTestsRequest(**({"workspace_id": ws_id} | fields)))  # type: ignore[arg-type]
    assert refused.value.code() == code, refused.value.details()
    status = rpc_status.from_call(refused.value)  # type: ignore[arg-type]
    assert status is not None
    found = []
    for detail_any in status.details:
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        if detail_any.Unpack(info):
            found.append(info.reason)
        elif detail_any.Unpack(bad):
            found += [v.field for v in bad.field_violations]
    assert detail in found, found
    runs = await config.stub.ListTestRuns(tpb.ListTestRunsRequest(workspace_id=ws_id))
    assert list(runs.test_runs) == []


async def test_runs_as_the_caller(secured: Secured) -> None:
    """The caller's key is forwarded: the run is stored under its name; a viewer may not
    run tests at all."""
    editor = auth(secured.keys["editor"])
    answer = await secured.runtime.stub.RunTests(rpb.RunTestsRequest(
        workspace_id=secured.own, source=DRAFT), metadata=editor)
    run = (await secured.config.stub.GetTestRun(tpb.GetTestRunRequest(
        workspace_id=secured.own, test_run_id=answer.test_run_id), metadata=editor)).test_run
    assert run.created_by.startswith("key:") and "editor key" in run.created_by
    with pytest.raises(grpc.aio.AioRpcError) as viewer:
        await secured.runtime.stub.RunTests(rpb.RunTestsRequest(
            workspace_id=secured.own, source=DRAFT), metadata=auth(secured.keys["viewer"]))
    assert viewer.value.code() == grpc.StatusCode.PERMISSION_DENIED
