"""The publish gate, called by publishing inside the publish transaction (under the
workspace lock, so no case can change between the verdict and the version): with the
workspace's ``require_passing_tests`` on, a Draft is published only when the test suite
passed on exactly the reviewed revision (domain/suite_gate.py has the rule).

Only publishing the Draft is gated. The emergency one-step rollback is not: it restores
content that was live before, when there is no time to run a suite."""

from __future__ import annotations

from agentconfig.errors import FailedPrecondition
from config_service.domain.model import Workspace
from config_service.domain.suite_gate import GateVerdict, verdict
from config_service.service.ports import Repository

LISTED = 20  # case ids named in the message and metadata; the count is always given


def _ids(ids: tuple[str, ...]) -> str:
    more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
    return ", ".join(ids[:LISTED]) + more


def _refusal(ws: Workspace, found: GateVerdict) -> FailedPrecondition:
    revision = ws.draft_revision
    metadata = {"draft_revision": str(revision), "failing_count": str(len(found.failing)),
                "not_run_count": str(len(found.not_run))}
    if found.failing:
        metadata["failing_test_case_ids"] = _ids(found.failing)
        message = (f"test cases fail on Draft revision {revision}: {_ids(found.failing)}; "
                   "fix them (or the Draft), run the suite again, then publish")
    elif found.runs:
        message = (f"test cases have not run as they are now on Draft revision {revision}: "
                   f"{_ids(found.not_run)}; run the suite again, then publish")
    else:
        message = (f"no test run covers Draft revision {revision}: run the suite on the "
                   "Draft (agentctl test run), then publish")
    if found.not_run:
        metadata["not_run_test_case_ids"] = _ids(found.not_run)
    return FailedPrecondition(message, reason=found.reason, metadata=metadata)


async def require_passing_tests(repo: Repository, ws: Workspace) -> None:
    """FAILED_PRECONDITION TESTS_FAILING or TESTS_NOT_RUN unless the gate is off or open."""
    if not ws.require_passing_tests:
        return
    cases = await repo.test_case_etags(ws.id)
    runs, results = await repo.draft_case_results(ws.id, ws.draft_revision)
    found = verdict(cases, runs, results)
    if not found.passed:
        raise _refusal(ws, found)
