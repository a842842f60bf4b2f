"""``test list|show|apply|save|delete|run|runs``: test cases (live data, in the config
service) and suites run by the runtime (RunTests) against the Draft, a version or
Production; ``run --compare production`` also runs them there and prints the behavioural
diff. ``run`` exits 0 when every case passes and 1 when any fails."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from agentconfig.v1 import testing_pb2 as tpb
from agentctl import testfiles
from agentctl.client import Connection
from agentctl.commands import conn
from agentctl.commands.suite_runs import run, runs
from agentctl.commands.suite_save import save
from agentctl.errors import Invalid, Usage
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, note, row, say, table, when

app = typer.Typer(no_args_is_help=True,
                  help="Test cases and suites: save, list, show, apply, run (live data).")
IdArg = Annotated[str, typer.Argument(metavar="CASE_ID")]


def all_cases(c: Connection) -> list[tpb.TestCase]:
    out: list[tpb.TestCase] = []
    token = ""
    while True:
        page = c.call(c.stub.ListTestCases, tpb.ListTestCasesRequest(
            workspace_id=c.workspace, page_size=500, page_token=token))
        out += page.test_cases
        token = page.next_page_token
        if not token:
            return out


def get_case(c: Connection, case_id: str) -> tpb.TestCase:
    return c.call(c.stub.GetTestCase, tpb.GetTestCaseRequest(workspace_id=c.workspace,
                                                             test_case_id=case_id)).test_case


@app.command("list")
def list_(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """List the workspace's test cases."""
    rows = all_cases(conn(ctx))

    def draw() -> Table:
        t = table("ID", "NAME", "TARGET", "TURNS", "UPDATED (UTC)", "BY")
        for tc in rows:
            row(t, tc.test_case_id, tc.display_name,
                f"{testfiles.TARGET_NAMES.get(tc.target_kind, '?')}/{tc.target_id}",
                len(tc.turns), when(tc.update_time), tc.updated_by)
        return t

    emit([as_dict(tc) for tc in rows], output, draw)


@app.command("show")
def show(ctx: typer.Context, case_id: IdArg, output: Output = OUTPUT_OPTION) -> None:
    """Print a test case in the YAML format `test apply -f` reads."""
    found = get_case(conn(ctx), case_id)
    if output == Output.json:
        emit(as_dict(found), output, lambda: None)
    else:
        typer.echo(testfiles.dump_cases([found]), nl=False)


def write(c: Connection, item: testfiles.CaseFile, current: tpb.TestCase | None) -> str:
    """Create or update one case; what happened."""
    case = item.case
    try:
        if current is None:
            c.call(c.stub.CreateTestCase, tpb.CreateTestCaseRequest(workspace_id=c.workspace,
                                                                    test_case=case))
            return "created"
        mine = testfiles.case_to_doc(case)
        if mine == testfiles.case_to_doc(current):
            return "unchanged"
        c.call(c.stub.UpdateTestCase, tpb.UpdateTestCaseRequest(
            workspace_id=c.workspace, test_case=case, etag=current.etag))
        return "updated"
    except Invalid as exc:
        raise Invalid(f"{item.path}: {exc.message}", exc.violations) from None


@app.command("apply")
def apply(ctx: typer.Context,
          files: Annotated[list[Path], typer.Option(
              "--filename", "-f", help="A YAML file or a directory (recursively); entity "
              "documents in it are skipped.")]) -> None:
    """Create or update the test cases in the files (each case on its own: a refused
    case stops the apply, the ones before it stay written)."""
    items = testfiles.load(files)
    if not items:
        raise Usage("no test-case documents in the files (kind: test-case)")
    c = conn(ctx)
    current = {tc.test_case_id: tc for tc in all_cases(c)}
    counts: dict[str, int] = {}
    for item in items:
        done = write(c, item, current.get(item.case.test_case_id))
        counts[done] = counts.get(done, 0) + 1
        say(f"test-case/{item.case.test_case_id}  {done}  ({item.path})")
    note(", ".join(f"{n} {what}" for what, n in counts.items()))


@app.command("delete")
def delete(ctx: typer.Context, case_id: IdArg) -> None:
    """Delete a test case (reads its etag first)."""
    c = conn(ctx)
    etag = get_case(c, case_id).etag
    c.call(c.stub.DeleteTestCase, tpb.DeleteTestCaseRequest(
        workspace_id=c.workspace, test_case_id=case_id, etag=etag))
    say(f"deleted test case {case_id}")


app.command("save")(save)
app.command("run")(run)
app.command("runs")(runs)
