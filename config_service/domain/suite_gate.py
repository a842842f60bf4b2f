"""The publish gate's verdict, as a pure function of the workspace's current test cases
and the case results stored for the reviewed Draft revision.

A case is covered when some run on that revision ran it as it is now (same etag); its
newest such result counts. Runs may cover a revision together (a suite run in parts), and
an edited case must run again. No run on the revision at all: TESTS_NOT_RUN. A covered
case that failed: TESTS_FAILING. Cases not covered: TESTS_NOT_RUN, naming them."""

from __future__ import annotations

from dataclasses import dataclass

from config_service.domain.testcases import CaseResultRow


@dataclass(frozen=True)
class GateVerdict:
    runs: int  # runs stored on the revision
    failing: tuple[str, ...]  # covered cases whose newest result failed
    not_run: tuple[str, ...]  # cases no run on the revision ran as they are now

    @property
    def passed(self) -> bool:
        return self.runs > 0 and not self.failing and not self.not_run

    @property
    def reason(self) -> str:
        return "TESTS_FAILING" if self.failing else "TESTS_NOT_RUN"


def verdict(cases: dict[str, str], runs: int, results: list[CaseResultRow]) -> GateVerdict:
    """``cases``: test case id -> current etag; ``runs``: how many runs are stored on the
    revision; ``results``: every case result of those runs, in any order."""
    newest: dict[str, CaseResultRow] = {}
    for row in results:
        if cases.get(row.test_case_id) != row.test_case_etag:
            continue  # a case deleted or edited since: that result no longer counts
        held = newest.get(row.test_case_id)
        if held is None or row.run_seq > held.run_seq:
            newest[row.test_case_id] = row
    failing = tuple(sorted(i for i, row in newest.items() if not row.passed))
    not_run = tuple(sorted(set(cases) - set(newest)))
    return GateVerdict(runs, failing, not_run)
