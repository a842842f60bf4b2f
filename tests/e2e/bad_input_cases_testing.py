"""Bad-input rows for test cases, test runs, the behavioural diff and the settings of issue
9 (the world: bad_input_setup.py, with agent `support` using tool `weather`)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import field_mask_pb2, json_format

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import testing_pb2 as tpb
from tests.e2e.bad_input_setup import Case, Request, World

IA = grpc.StatusCode.INVALID_ARGUMENT
NF = grpc.StatusCode.NOT_FOUND
ABORTED = grpc.StatusCode.ABORTED
HASH = "ab" * 32


def case(**fields: Any) -> tpb.TestCase:
    """A valid case (agent support, one scripted turn) with ``fields`` on top."""
    base: dict[str, Any] = {
        "test_case_id": "hello", "target_kind": "ENTITY_KIND_AGENT", "target_id": "support",
        "turns": [{"user_message": "Hello", "script": {"moves": [{"reply": "Hi"}]},
                   "expect": {"agent_id": "support"}}]}
    return json_format.ParseDict(base | fields, tpb.TestCase())


def create(**fields: Any) -> Any:
    return lambda w: ("CreateTestCase", tpb.CreateTestCaseRequest(workspace_id=w.ws,
                                                                   test_case=case(**fields)))


def turn(**fields: Any) -> dict[str, Any]:
    return {"user_message": "Hi", "script": {"moves": [{"reply": "Hi"}]}} | fields


async def _hello(w: World) -> None:
    await w.stub.CreateTestCase(tpb.CreateTestCaseRequest(workspace_id=w.ws, test_case=case()))


def _update(etag: str, **fields: Any) -> Any:
    return lambda w: ("UpdateTestCase", tpb.UpdateTestCaseRequest(
        workspace_id=w.ws, test_case=case(display_name="Hello again", **fields), etag=etag))


def _run(**fields: Any) -> Any:
    base: dict[str, Any] = {"source": "TEST_TARGET_SOURCE_DRAFT", "content_hash": HASH}
    return lambda w: ("CreateTestRun", tpb.CreateTestRunRequest(
        workspace_id=w.ws, test_run=json_format.ParseDict(base | fields, tpb.TestRun())))


def _nan_mock(w: World) -> Request:
    bad = case(mocks=[{"tool": "weather", "result": 1}])
    bad.mocks[0].result.number_value = float("nan")
    return "CreateTestCase", tpb.CreateTestCaseRequest(workspace_id=w.ws, test_case=bad)


def _settings(*ids: str) -> Any:
    return lambda w: ("UpdateWorkspaceSettings", cpb.UpdateWorkspaceSettingsRequest(
        workspace_id=w.ws, settings=cpb.WorkspaceSettings(live_tool_ids=ids)))


CASES: list[Case] = [
    Case("test-case-without-id", create(test_case_id=""), IA, "test_case.test_case_id",
         "REQUIRED"),
    Case("test-case-bad-id", create(test_case_id="Hello World"), IA,
         "test_case.test_case_id", "BAD_ID"),
    Case("test-case-tool-target", create(target_kind="ENTITY_KIND_TOOL"), IA,
         "test_case.target_kind", "BAD_TARGET"),
    Case("test-case-unknown-target", create(target_id="ghost"), IA, "test_case.target_id",
         "UNKNOWN_TARGET"),
    Case("test-case-no-turns", create(turns=[]), IA, "test_case.turns", "REQUIRED"),
    Case("test-case-too-many-turns", create(turns=[turn()] * 21), IA, "test_case.turns",
         "TOO_MANY"),
    Case("test-case-bad-regex", create(turns=[turn(), turn(expect={"reply_regex": "(["})]),
         IA, "test_case.turns[1].expect.reply_regex", "BAD_REGEX"),
    Case("test-case-message-too-long", create(turns=[turn(user_message="x" * 8001)]), IA,
         "test_case.turns[0].user_message", "TOO_LONG"),
    Case("test-case-no-script", create(turns=[{"user_message": "Hi"}]), IA,
         "test_case.turns[0].script.moves", "REQUIRED"),
    Case("test-case-mock-not-usable", create(mocks=[{"tool": "refunds", "result": 1}]), IA,
         "test_case.mocks[0].tool", "UNKNOWN_TOOL"),
    Case("test-case-mock-nan", _nan_mock, IA, "test_case.mocks[0]", "NOT_FINITE"),
    Case("test-case-unknown-responder", lambda w: ("CreateTestCase", tpb.CreateTestCaseRequest(
         workspace_id=w.ws, test_case=tpb.TestCase(
             test_case_id="x", target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
             responder=77, turns=case().turns))),  # type: ignore[arg-type]
         IA, "test_case.responder", "BAD_ENUM"),
    Case("test-case-not-a-member", create(turns=[turn(expect={"agent_id": "billing"})]), IA,
         "test_case.turns[0].expect.agent_id", "NOT_A_MEMBER"),
    Case("test-case-exists", create(), grpc.StatusCode.ALREADY_EXISTS,
         reason="TEST_CASE_EXISTS", prepare=_hello),
    Case("get-test-case-without-id", lambda w: ("GetTestCase", tpb.GetTestCaseRequest(
         workspace_id=w.ws)), IA, "test_case_id"),
    Case("get-test-case-unknown", lambda w: ("GetTestCase", tpb.GetTestCaseRequest(
         workspace_id=w.ws, test_case_id="nope")), NF, reason="TEST_CASE_NOT_FOUND"),
    Case("test-cases-foreign-token", lambda w: ("ListTestCases", tpb.ListTestCasesRequest(
         workspace_id=w.ws, page_token=w.draft_token)), IA, "page_token", "BAD_PAGE_TOKEN"),
    Case("test-cases-negative-page-size", lambda w: ("ListTestCases", tpb.ListTestCasesRequest(
         workspace_id=w.ws, page_size=-1)), IA, "page_size"),
    Case("update-test-case-without-etag", _update(""), IA, "etag", "REQUIRED", prepare=_hello),
    Case("update-test-case-stale-etag", _update("stale"), ABORTED, reason="STALE_ETAG",
         prepare=_hello),
    Case("update-test-case-unknown", _update("e", test_case_id="nope"), NF,
         reason="TEST_CASE_NOT_FOUND"),
    Case("update-test-case-invalid", _update("e", turns=[]), IA, "test_case.turns",
         prepare=_hello),
    Case("delete-test-case-stale-etag", lambda w: ("DeleteTestCase", tpb.DeleteTestCaseRequest(
         workspace_id=w.ws, test_case_id="hello", etag="stale")), ABORTED,
         reason="STALE_ETAG", prepare=_hello),
    Case("delete-test-case-without-etag", lambda w: ("DeleteTestCase",
         tpb.DeleteTestCaseRequest(workspace_id=w.ws, test_case_id="hello")), IA, "etag",
         prepare=_hello),
    Case("delete-test-case-unknown", lambda w: ("DeleteTestCase", tpb.DeleteTestCaseRequest(
         workspace_id=w.ws, test_case_id="nope", etag="e")), NF),
    Case("test-run-without-source", _run(source="TEST_TARGET_SOURCE_UNSPECIFIED"), IA,
         "test_run.source", "REQUIRED"),
    Case("test-run-bad-hash", _run(content_hash="abc"), IA, "test_run.content_hash",
         "BAD_HASH"),
    Case("test-run-future-revision", lambda w: _run(draft_revision=w.revision + 5)(w), IA,
         "test_run.draft_revision", "BAD_REVISION"),
    Case("test-run-wrong-hash", lambda w: _run(draft_revision=w.revision)(w), IA,
         "test_run.content_hash", "HASH_MISMATCH"),
    Case("test-run-version-missing", _run(source="TEST_TARGET_SOURCE_VERSION", version=9), NF,
         reason="VERSION_NOT_FOUND"),
    Case("test-run-duplicate-case", _run(cases=[{"test_case_id": "a"}, {"test_case_id": "a"}]),
         IA, "test_run.cases[1].test_case_id", "DUPLICATE"),
    Case("test-run-error-too-long", _run(cases=[{"test_case_id": "a", "error": "e" * 32001}]),
         IA, "test_run.cases[0].error", "TOO_LONG"),
    Case("get-test-run-unknown", lambda w: ("GetTestRun", tpb.GetTestRunRequest(
         workspace_id=w.ws, test_run_id="nope")), NF, reason="TEST_RUN_NOT_FOUND"),
    Case("get-test-run-without-id", lambda w: ("GetTestRun", tpb.GetTestRunRequest(
         workspace_id=w.ws)), IA, "test_run_id"),
    Case("test-runs-foreign-token", lambda w: ("ListTestRuns", tpb.ListTestRunsRequest(
         workspace_id=w.ws, page_token=w.draft_token)), IA, "page_token"),
    Case("diff-runs-without-base", lambda w: ("DiffTestRuns", tpb.DiffTestRunsRequest(
         workspace_id=w.ws, head_test_run_id="x")), IA, "base_test_run_id"),
    Case("diff-runs-unknown", lambda w: ("DiffTestRuns", tpb.DiffTestRunsRequest(
         workspace_id=w.ws, base_test_run_id="a", head_test_run_id="b")), NF,
         reason="TEST_RUN_NOT_FOUND"),
    Case("settings-bad-live-tool", _settings("weather", "Not An Id"), IA,
         "settings.live_tool_ids[1]", "BAD_ID"),
    Case("settings-live-tool-twice", _settings("weather", "weather"), IA,
         "settings.live_tool_ids[1]", "DUPLICATE"),
    Case("settings-unknown-mask-path", lambda w: (
        "UpdateWorkspaceSettings", cpb.UpdateWorkspaceSettingsRequest(
            workspace_id=w.ws, settings=cpb.WorkspaceSettings(),
            update_mask=field_mask_pb2.FieldMask(paths=["two_person_rule", "colour"]))),
         IA, "update_mask.paths[1]", "UNKNOWN_SETTING"),
]
