"""How test runs and the behavioural diff are printed: one line per case (PASS or FAIL),
and under a failing case each failing expectation with what was expected and observed;
the diff names each case whose outcome changes, per turn and per expectation."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb

SOURCE_WORDS = {rpb.TEST_TARGET_SOURCE_DRAFT: "draft",
                rpb.TEST_TARGET_SOURCE_VERSION: "version",
                rpb.TEST_TARGET_SOURCE_PRODUCTION: "production"}


def target(run: tpb.TestRun) -> str:
    if run.source == rpb.TEST_TARGET_SOURCE_DRAFT:
        return f"the Draft (revision {run.draft_revision})"
    if run.source == rpb.TEST_TARGET_SOURCE_PRODUCTION:
        return f"Production (v{run.version})"
    return f"v{run.version}"


def summary(run: tpb.TestRun) -> Text:
    line = Text(f"Test run {run.test_run_id[:12]} on {target(run)}: ", style="bold")
    line.append(f"{run.passed_count} passed", style="green")
    line.append(", ")
    line.append(f"{run.failed_count} failed", style="red" if run.failed_count else "")
    return line


def _failures(case: tpb.CaseResult) -> list[Text]:
    out = []
    if case.error:
        out.append(Text(f"      {case.error}", style="red"))
    for turn in case.turns:
        for e in turn.expectations:
            if not e.passed:
                out.append(Text(f"      turn {turn.index + 1}: {e.expectation}: expected "
                                f"{e.expected!r}, observed {e.observed!r}"))
    return out


def render_run(run: tpb.TestRun) -> Group:
    lines = [summary(run)]
    for case in run.cases:
        verdict = Text("  PASS " if case.passed else "  FAIL ",
                       style="green" if case.passed else "bold red")
        verdict.append(f"{case.test_case_id}  ({len(case.turns)} turn(s))")
        lines.append(verdict)
        if not case.passed:
            lines += _failures(case)
    return Group(*lines)


def _word(passed: bool) -> str:
    return "passes" if passed else "FAILS"


def _case_change(c: tpb.CaseChange) -> list[Text]:
    if c.only_in_base or c.only_in_head:
        side = "only in the base run" if c.only_in_base else "only in the head run"
        return [Text(f"  {c.test_case_id}: {side}")]
    lines = [Text(f"  {c.test_case_id}: {_word(c.base_passed)} -> {_word(c.head_passed)}",
                  style="bold")]
    for turn in c.turns:
        for e in turn.expectations:
            lines.append(Text(f"      turn {turn.index + 1}: {e.expectation}: "
                              f"{_word(e.base_passed)} -> {_word(e.head_passed)} "
                              f"(observed {e.base_observed!r} -> {e.head_observed!r})"))
    return lines


def render_diff(diff: tpb.DiffTestRunsResponse, base: tpb.TestRun, head: tpb.TestRun,
                ) -> Group:
    title = Text(f"Behavioural diff: {target(base)} -> {target(head)}: ", style="bold")
    title.append(f"{len(diff.changes)} case(s) change, {diff.unchanged_count} unchanged")
    lines = [title]
    for change in diff.changes:
        lines += _case_change(change)
    return Group(*lines)
