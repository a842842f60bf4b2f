"""Test cases and runs on both engines: CRUD with etags and audit, references checked
against the Draft, runs stored and listed newest first, the behavioural diff, live data
untouched by publish and rollback, workspace settings, and the publish gate."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from agentconfig.errors import (
    AlreadyExists,
    Conflict,
    FailedPrecondition,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
)
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.domain import limits
from config_service.domain.testcases import (
    CaseBody,
    CaseOutcome,
    ExpectationOutcome,
    RunTarget,
    TurnOutcome,
)
from config_service.service import audit, draft_apply, testcases, testruns, workspaces
from config_service.service.common import manifest_hash
from config_service.service.testruns import RunInput
from tests.harness import workspace as demo
from tests.unit.test_testcase_checks import case, turn
from tests.unit.use_case_helpers import RecordingAnnouncer, item, publish


async def _squad_draft(uowf: SqlUnitOfWorkFactory, ws: str) -> int:
    """The demo squad (support hands invoices to billing) in the Draft; its revision."""
    await workspaces.create_workspace(uowf, ws, "Test")
    _, revision = await draft_apply.apply(uowf, ws, [item(e) for e in demo.entities()], [],
                                          0, False, "ann")
    return revision


def _body(case_id: str = "invoice") -> CaseBody:
    return replace(case(mocks=({"tool": "weather", "result": {"sunny": True}},)),
                   test_case_id=case_id)


async def _draft_hash(uowf: SqlUnitOfWorkFactory, ws: str) -> str:
    async with uowf(read_only=True) as uow:
        return manifest_hash(await uow.repo.draft_manifest(ws))


def _result(case_id: str, etag: str, passed: bool = True) -> CaseOutcome:
    return CaseOutcome(case_id, etag, passed, (TurnOutcome(0, passed, "ok", {"a": 1.5}, (
        ExpectationOutcome("agent_id", passed, "billing", "billing" if passed else "support"),
    )),))


async def _run(uowf: SqlUnitOfWorkFactory, ws: str, revision: int, *cases: CaseOutcome,
               ) -> str:
    target = RunTarget("draft", draft_revision=revision,
                       content_hash=await _draft_hash(uowf, ws))
    run = await testruns.create_run(uowf, ws, RunInput(target, cases), "ann")
    return run.test_run_id


async def test_case_crud(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await _squad_draft(uowf, ws_id)
    created = await testcases.create_case(uowf, ws_id, _body(), "ann")
    assert created.etag == _body().etag() and created.updated_by == "ann"
    with pytest.raises(AlreadyExists):
        await testcases.create_case(uowf, ws_id, _body(), "ann")
    assert await testcases.get_case(uowf, ws_id, "invoice") == created
    edited = replace(_body(), display_name="Invoices")
    with pytest.raises(InvalidArgument):
        await testcases.update_case(uowf, ws_id, edited, "", "bob")
    with pytest.raises(Conflict) as stale:
        await testcases.update_case(uowf, ws_id, edited, "stale", "bob")
    assert stale.value.metadata["current_etag"] == created.etag
    same = await testcases.update_case(uowf, ws_id, _body(), created.etag, "bob")
    assert same == created  # the same body changes nothing
    updated = await testcases.update_case(uowf, ws_id, edited, created.etag, "bob")
    assert (updated.etag != created.etag, updated.created_at) == (True, created.created_at)
    with pytest.raises(Conflict):
        await testcases.delete_case(uowf, ws_id, "invoice", created.etag, "bob")
    await testcases.delete_case(uowf, ws_id, "invoice", updated.etag, "bob")
    with pytest.raises(NotFound) as gone:
        await testcases.get_case(uowf, ws_id, "invoice")
    assert gone.value.reason == "TEST_CASE_NOT_FOUND"
    events, _ = await audit.list_events(uowf, ws_id, 10, "")
    assert [e.action for e in events][:3] == ["test_case.delete", "test_case.update",
                                              "test_case.create"]


async def test_case_references_are_checked(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await _squad_draft(uowf, ws_id)
    bad = replace(_body(), mocks=({"tool": "refunds", "result": 1},))
    with pytest.raises(InvalidArgument) as refused:
        await testcases.create_case(uowf, ws_id, bad, "ann")
    assert [(v.field, v.reason) for v in refused.value.violations] == [
        ("test_case.mocks[0].tool", "UNKNOWN_TOOL")]
    assert "test case 'invoice'" in refused.value.message
    with pytest.raises(InvalidArgument) as unknown:
        await testcases.create_case(uowf, ws_id, replace(_body(), target_id="ghost"), "ann")
    assert unknown.value.violations[0].reason == "UNKNOWN_TARGET"
    with pytest.raises(InvalidArgument) as regex:
        await testcases.create_case(uowf, ws_id, case(turn(expect={"reply_regex": "(["})),
                                    "ann")
    assert regex.value.violations[0].field == "test_case.turns[0].expect.reply_regex"


async def test_cases_list_in_pages(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    await _squad_draft(uowf, ws_id)
    for name in ("c", "a", "b"):
        await testcases.create_case(uowf, ws_id, _body(name), "ann")
    first, token = await testcases.list_cases(uowf, ws_id, 2, "")
    rest, end = await testcases.list_cases(uowf, ws_id, 2, token)
    assert [c.test_case_id for c in first + rest] == ["a", "b", "c"] and end == ""
    with pytest.raises(InvalidArgument):
        await testruns.list_runs(uowf, ws_id, 2, token)  # another query's token


async def test_runs_are_stored_listed_and_diffed(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                 ) -> None:
    revision = await _squad_draft(uowf, ws_id)
    ids = [await _run(uowf, ws_id, revision, _result("a", "e1"), _result("b", "e2"))
           for _ in range(3)]
    ids.append(await _run(uowf, ws_id, revision, _result("a", "e1"),
                          _result("b", "e2", passed=False)))
    page, token = await testruns.list_runs(uowf, ws_id, 3, "")
    older, end = await testruns.list_runs(uowf, ws_id, 3, token)
    assert [r.test_run_id for r in page + older] == ids[::-1] and end == ""
    assert page[0].cases == () and (page[0].passed_count, page[0].failed_count) == (1, 1)
    full = await testruns.get_run(uowf, ws_id, ids[0])
    assert full.cases == (_result("a", "e1"), _result("b", "e2"))
    assert full.target.draft_revision == revision and full.created_by == "ann"
    changes, unchanged = await testruns.diff(uowf, ws_id, ids[0], ids[3])
    assert unchanged == 1 and [c.test_case_id for c in changes] == ["b"]
    with pytest.raises(NotFound):
        await testruns.diff(uowf, ws_id, ids[0], "nope")


async def test_a_run_names_content_that_exists(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    revision = await _squad_draft(uowf, ws_id)
    right = await _draft_hash(uowf, ws_id)
    wrong = hashlib.sha256(b"other").hexdigest()
    for target, field in [
        (RunTarget("draft", draft_revision=revision + 1, content_hash=right),
         "test_run.draft_revision"),
        (RunTarget("draft", draft_revision=revision, content_hash=wrong),
         "test_run.content_hash"),
        (RunTarget("", content_hash=right), "test_run.source"),
        (RunTarget("version", 0, content_hash=right), "test_run.version"),
    ]:
        with pytest.raises(InvalidArgument) as refused:
            await testruns.create_run(uowf, ws_id, RunInput(target, ()), "ann")
        assert refused.value.violations[0].field == field
    with pytest.raises(NotFound):
        await testruns.create_run(uowf, ws_id, RunInput(
            RunTarget("version", 3, content_hash=right), ()), "ann")
    v1 = await publish(uowf, ws_id, revision)
    with pytest.raises(InvalidArgument):
        await testruns.create_run(uowf, ws_id, RunInput(
            RunTarget("production", 1, content_hash=wrong), ()), "ann")
    stored = await testruns.create_run(uowf, ws_id, RunInput(
        RunTarget("production", 1, content_hash=v1.content_hash), ()), "ann")
    assert stored.target.source == "production"


async def test_settings_and_live_data_survive_publish(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                                      ) -> None:
    revision = await _squad_draft(uowf, ws_id)
    with pytest.raises(InvalidArgument) as bad:
        await workspaces.update_settings(uowf, ws_id, workspaces.Settings(
            live_tool_ids=("weather", "Bad Id")))
    assert bad.value.violations[0].field == "settings.live_tool_ids[1]"
    ws = await workspaces.update_settings(uowf, ws_id, workspaces.Settings(
        live_tool_ids=("weather",), require_passing_tests=False))
    assert ws.live_tool_ids == ("weather",)
    created = await testcases.create_case(uowf, ws_id, _body(), "ann")
    run = await _run(uowf, ws_id, revision, _result("invoice", created.etag))
    await publish(uowf, ws_id, revision)
    assert await testcases.get_case(uowf, ws_id, "invoice") == created
    assert (await testruns.get_run(uowf, ws_id, run)).passed_count == 1
    again = await workspaces.get_workspace(uowf, ws_id)
    assert (again.live_tool_ids, again.require_passing_tests) == (("weather",), False)


async def test_a_masked_settings_update_keeps_the_others(uowf: SqlUnitOfWorkFactory,
                                                         ws_id: str) -> None:
    await _squad_draft(uowf, ws_id)
    await workspaces.update_settings(uowf, ws_id, workspaces.Settings(
        two_person_rule=True, live_tool_ids=("weather",)))
    ws = await workspaces.update_settings(uowf, ws_id, workspaces.Settings(
        require_passing_tests=True), only=("require_passing_tests",))
    assert (ws.two_person_rule, ws.live_tool_ids, ws.require_passing_tests) == (
        True, ("weather",), True)
    ws = await workspaces.update_settings(uowf, ws_id, workspaces.Settings())
    assert (ws.two_person_rule, ws.live_tool_ids, ws.require_passing_tests) == (
        False, (), False)  # no mask: every setting replaced


async def test_the_publish_gate(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    revision = await _squad_draft(uowf, ws_id)
    await workspaces.update_settings(uowf, ws_id, workspaces.Settings(
        require_passing_tests=True))
    a = await testcases.create_case(uowf, ws_id, _body("a"), "ann")
    b = await testcases.create_case(uowf, ws_id, _body("b"), "ann")

    async def refused() -> FailedPrecondition:
        with pytest.raises(FailedPrecondition) as exc:
            await publish(uowf, ws_id, revision, announcer=RecordingAnnouncer())
        return exc.value

    assert (await refused()).reason == "TESTS_NOT_RUN"
    await _run(uowf, ws_id, revision, _result("a", a.etag), _result("b", b.etag, False))
    failing = await refused()
    assert failing.reason == "TESTS_FAILING"
    assert failing.metadata["failing_test_case_ids"] == "b" and "b" in failing.message
    await _run(uowf, ws_id, revision, _result("b", "an-older-etag"))
    assert (await refused()).reason == "TESTS_FAILING"  # that result was not b as it is
    await _run(uowf, ws_id, revision, _result("b", b.etag))
    v1 = await publish(uowf, ws_id, revision)
    assert v1.number == 1


async def test_cases_per_workspace_are_bounded(uowf: SqlUnitOfWorkFactory, ws_id: str,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    await _squad_draft(uowf, ws_id)
    monkeypatch.setattr(limits, "MAX_TEST_CASES_PER_WORKSPACE", 2)
    for name in ("a", "b"):
        await testcases.create_case(uowf, ws_id, _body(name), "ann")
    with pytest.raises(ResourceExhausted) as full:
        await testcases.create_case(uowf, ws_id, _body("c"), "ann")
    assert full.value.reason == "TOO_MANY_TEST_CASES"
