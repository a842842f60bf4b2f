"""``test run`` and ``test runs``: run the suite through the runtime (RunTests) against the
Draft, a version or Production, print each case's result, and with ``--compare`` run it on
a second target too and print the behavioural diff (DiffTestRuns, base = the compared
target, head = the tested one). Exit 1 when any case of the tested target fails."""

from __future__ import annotations

from typing import Annotated

import grpc
import typer
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from agentctl import testview, tls
from agentctl.client import Connection
from agentctl.commands import conn, parse_version
from agentctl.errors import CliError, Usage, from_rpc
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, note, row, say, table, when

RUN_TIMEOUT_SECONDS = 600.0  # a suite runs every turn of every case
Source = tuple[rpb.TestTargetSource.ValueType, int]


def source_of(draft: bool, version: str | None, production: bool) -> Source:
    if sum((draft, version is not None, production)) > 1:
        raise Usage("pass one of --draft, --version N and --production")
    if version is not None:
        return rpb.TEST_TARGET_SOURCE_VERSION, parse_version(version)
    if production:
        return rpb.TEST_TARGET_SOURCE_PRODUCTION, 0
    return rpb.TEST_TARGET_SOURCE_DRAFT, 0


def compared(word: str) -> Source:
    """``production``, ``draft`` or ``vN``."""
    text = word.strip().lower()
    if text == "production":
        return rpb.TEST_TARGET_SOURCE_PRODUCTION, 0
    if text == "draft":
        return rpb.TEST_TARGET_SOURCE_DRAFT, 0
    return rpb.TEST_TARGET_SOURCE_VERSION, parse_version(word)


def run_suite(c: Connection, source: Source, case_ids: list[str]) -> tpb.TestRun:
    request = rpb.RunTestsRequest(workspace_id=c.workspace, source=source[0],
                                  version=source[1], test_case_ids=case_ids)
    try:
        answer = c.runtime.RunTests(request, metadata=c.metadata(),
                                    timeout=RUN_TIMEOUT_SECONDS)
    except grpc.RpcError as exc:
        raise from_rpc(exc, c.settings.runtime_addr, service="runtime service",
                       tls=tls.enabled(c.settings)) from None
    return c.call(c.stub.GetTestRun, tpb.GetTestRunRequest(
        workspace_id=c.workspace, test_run_id=answer.test_run_id)).test_run


def run(ctx: typer.Context,
        case_ids: Annotated[list[str] | None, typer.Argument(
            metavar="CASE_ID", help="Only these cases (default: every case).")] = None,
        draft: Annotated[bool, typer.Option("--draft", help="The Draft (default).")] = False,
        version: Annotated[str | None, typer.Option("--version", metavar="N")] = None,
        production: Annotated[bool, typer.Option("--production")] = False,
        compare: Annotated[str | None, typer.Option(
            "--compare", metavar="production|draft|vN",
            help="Also run there and print the behavioural diff.")] = None,
        output: Output = OUTPUT_OPTION) -> None:
    """Run the test suite; exit 0 when every case passes, 1 when any fails."""
    c = conn(ctx)
    head = run_suite(c, source_of(draft, version, production), case_ids or [])
    data: dict[str, object] = {"run": as_dict(head)}
    drawn: list[RenderableType] = [testview.render_run(head)]
    if compare is not None:
        base = run_suite(c, compared(compare), case_ids or [])
        diff = c.call(c.stub.DiffTestRuns, tpb.DiffTestRunsRequest(
            workspace_id=c.workspace, base_test_run_id=base.test_run_id,
            head_test_run_id=head.test_run_id))
        data["compare"] = {"run": as_dict(base), "diff": as_dict(diff)}
        drawn += [testview.summary(base), testview.render_diff(diff, base, head)]
    emit(data, output, lambda: Group(*drawn))
    if head.failed_count:
        note(f"{head.failed_count} test case(s) failed")
        raise typer.Exit(1)


def runs(ctx: typer.Context,
         run_id: Annotated[str | None, typer.Argument(
             metavar="[RUN_ID]", help="Show this run's results.")] = None,
         limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 20,
         output: Output = OUTPUT_OPTION) -> None:
    """The latest test runs, newest first; or one run's results."""
    c = conn(ctx)
    if run_id is not None:
        found = c.call(c.stub.GetTestRun, tpb.GetTestRunRequest(workspace_id=c.workspace,
                                                                test_run_id=run_id)).test_run
        emit(as_dict(found), output, lambda: testview.render_run(found))
        return
    rows = c.call(c.stub.ListTestRuns, tpb.ListTestRunsRequest(
        workspace_id=c.workspace, page_size=limit)).test_runs

    def draw() -> Table:
        t = table("RUN", "TARGET", "PASSED", "FAILED", "CREATED (UTC)", "BY")
        for r in rows:
            row(t, r.test_run_id, testview.target(r), r.passed_count, r.failed_count,
                when(r.create_time), r.created_by)
        return t

    emit([as_dict(r) for r in rows], output, draw)


def suite_status(c: Connection, revision: int) -> None:
    """The latest test run on the Draft, printed beside the diff a publisher reviews; says
    so when it is not on the revision being published. Nothing for a workspace without test
    cases and runs, and nothing (not a failure) when they cannot be read."""
    try:
        recent = c.call(c.stub.ListTestRuns, tpb.ListTestRunsRequest(
            workspace_id=c.workspace, page_size=50)).test_runs
        cases = c.call(c.stub.ListTestCases, tpb.ListTestCasesRequest(
            workspace_id=c.workspace, page_size=1)).test_cases
    except CliError:
        return
    latest = next((r for r in recent if r.source == rpb.TEST_TARGET_SOURCE_DRAFT), None)
    if latest is None:
        if cases:
            say("Tests: no run on the Draft yet (agentctl test run)")
        return
    line = Text("Tests: ")
    line.append_text(testview.summary(latest))
    if latest.draft_revision != revision:
        line.append(f"; not revision {revision}: run `agentctl test run`", style="yellow")
    say(line)
