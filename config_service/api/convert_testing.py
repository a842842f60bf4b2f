"""Proto <-> domain conversion for test cases, runs and the behavioural diff. Turns, mocks
and traces become the proto3 JSON mapping the domain stores; a Struct holding NaN or an
infinity has no JSON form, so it is refused here with its path."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from agentconfig.errors import invalid
from agentconfig.kinds import kind_by_enum
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from config_service.api.convert import kind_enum, ts
from config_service.domain.run_diff import CaseChange
from config_service.domain.testcases import (
    CaseBody,
    CaseOutcome,
    ExpectationOutcome,
    RunTarget,
    TestCase,
    TestRun,
    TurnOutcome,
)
from config_service.service.testruns import RunInput

RESPONDERS = {rpb.RESPONDER_KIND_UNSPECIFIED: "scripted", rpb.RESPONDER_KIND_SCRIPTED:
              "scripted", rpb.RESPONDER_KIND_CONFIGURED: "configured"}
RESPONDER_ENUMS = {"scripted": rpb.RESPONDER_KIND_SCRIPTED,
                   "configured": rpb.RESPONDER_KIND_CONFIGURED}
SOURCES = {rpb.TEST_TARGET_SOURCE_DRAFT: "draft", rpb.TEST_TARGET_SOURCE_VERSION: "version",
           rpb.TEST_TARGET_SOURCE_PRODUCTION: "production"}
SOURCE_ENUMS = {v: k for k, v in SOURCES.items()}


def _json(message: Message, path: str) -> dict[str, Any]:
    try:
        return json_format.MessageToDict(message, preserving_proto_field_name=True)
    except (json_format.Error, ValueError):
        raise invalid(path, "holds a number that is not finite (NaN or infinity)",
                      "NOT_FINITE") from None


def case_body(tc: tpb.TestCase, p: str = "test_case") -> CaseBody:
    kind = kind_by_enum(tc.target_kind)
    return CaseBody(
        tc.test_case_id, tc.display_name, kind.name if kind else "", tc.target_id,
        RESPONDERS.get(tc.responder, ""),
        tuple(_json(t, f"{p}.turns[{i}]") for i, t in enumerate(tc.turns)),
        tuple(_json(m, f"{p}.mocks[{i}]") for i, m in enumerate(tc.mocks)))


def test_case(c: TestCase) -> tpb.TestCase:
    b = c.body
    out = tpb.TestCase(
        workspace_id=c.workspace_id, test_case_id=b.test_case_id, display_name=b.display_name,
        target_kind=kind_enum(b.target_kind), target_id=b.target_id,
        responder=RESPONDER_ENUMS[b.responder], etag=c.etag, create_time=ts(c.created_at),
        update_time=ts(c.updated_at), updated_by=c.updated_by)
    for turn in b.turns:
        json_format.ParseDict(turn, out.turns.add())
    for mock in b.mocks:
        json_format.ParseDict(mock, out.mocks.add())
    return out


def _turn(t: tpb.TurnResult, path: str) -> TurnOutcome:
    return TurnOutcome(t.index, t.passed, t.reply, _json(t.trace, f"{path}.trace"), tuple(
        ExpectationOutcome(e.expectation, e.passed, e.expected, e.observed)
        for e in t.expectations))


def run_input(r: tpb.TestRun, p: str = "test_run") -> RunInput:
    target = RunTarget(SOURCES.get(r.source, ""), r.version, r.draft_revision, r.content_hash)
    return RunInput(target, tuple(
        CaseOutcome(c.test_case_id, c.test_case_etag, c.passed, tuple(
            _turn(t, f"{p}.cases[{i}].turns[{j}]") for j, t in enumerate(c.turns)), c.error)
        for i, c in enumerate(r.cases)))


def _case_result(c: CaseOutcome) -> tpb.CaseResult:
    out = tpb.CaseResult(test_case_id=c.test_case_id, test_case_etag=c.test_case_etag,
                         passed=c.passed, error=c.error)
    for t in c.turns:
        turn = out.turns.add(index=t.index, passed=t.passed, reply=t.reply)
        json_format.ParseDict(t.trace, turn.trace)
        turn.expectations.extend(tpb.ExpectationResult(
            expectation=e.expectation, passed=e.passed, expected=e.expected,
            observed=e.observed) for e in t.expectations)
    return out


def test_run(r: TestRun) -> tpb.TestRun:
    tg = r.target
    return tpb.TestRun(
        workspace_id=r.workspace_id, test_run_id=r.test_run_id, source=SOURCE_ENUMS[tg.source],
        version=tg.version, draft_revision=tg.draft_revision, content_hash=tg.content_hash,
        cases=[_case_result(c) for c in r.cases], passed_count=r.passed_count,
        failed_count=r.failed_count, create_time=ts(r.created_at), created_by=r.created_by)


def diff(changes: list[CaseChange], unchanged: int) -> tpb.DiffTestRunsResponse:
    out = tpb.DiffTestRunsResponse(unchanged_count=unchanged)
    for c in changes:
        case = out.changes.add(test_case_id=c.test_case_id, base_passed=c.base_passed,
                               head_passed=c.head_passed, only_in_base=c.only_in_base,
                               only_in_head=c.only_in_head)
        for t in c.turns:
            case.turns.add(index=t.index, expectations=[tpb.ExpectationChange(
                expectation=e.expectation, base_passed=e.base_passed,
                head_passed=e.head_passed, base_observed=e.base_observed,
                head_observed=e.head_observed) for e in t.expectations])
    return out
