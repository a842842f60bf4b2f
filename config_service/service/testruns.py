"""Test runs: what came of running test cases against the Draft (a revision), a version or
Production. The runtime's RunTests runs them and stores the run here as its caller; a run
is live data, never changed once stored. The behavioural diff compares two of them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from agentconfig.errors import InvalidArgument, NotFound, invalid
from config_service.domain.model import Workspace
from config_service.domain.run_diff import CaseChange, diff_runs
from config_service.domain.testcases import CaseOutcome, RunTarget, TestRun
from config_service.domain.testrun_checks import check_run
from config_service.service import paging
from config_service.service.common import now, version_or_404, workspace
from config_service.service.ports import Repository, UnitOfWorkFactory


@dataclass(frozen=True)
class RunInput:
    target: RunTarget
    cases: tuple[CaseOutcome, ...]


def _check(run: RunInput) -> None:
    problems = check_run(run.target, run.cases)
    if problems:
        first = problems[0]
        raise InvalidArgument(f"{first.field}: {first.description}" + (
            f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""),
            violations=problems)


async def _check_target(repo: Repository, ws: Workspace, target: RunTarget) -> None:
    """A run names content that exists, and its hash is that content's, so a gate or a
    reviewer reading it knows exactly what was tested."""
    if target.source == "draft":
        if target.draft_revision > ws.draft_revision:
            raise invalid("test_run.draft_revision", f"the Draft is at revision "
                          f"{ws.draft_revision}", "BAD_REVISION")
        if target.draft_revision == ws.draft_revision and target.content_hash != \
                (await repo.draft_digest(ws.id))[1]:
            raise invalid("test_run.content_hash", "is not the hash of the Draft at that "
                          "revision", "HASH_MISMATCH")
        return
    await version_or_404(repo, ws, target.version, "test_run.version")
    version = await repo.get_version(ws.id, target.version)
    if version is not None and version.content_hash != target.content_hash:
        raise invalid("test_run.content_hash", f"is not the hash of v{target.version}",
                      "HASH_MISMATCH")


async def create_run(uowf: UnitOfWorkFactory, workspace_id: str, run: RunInput, author: str,
                     ) -> TestRun:
    _check(run)
    cases = tuple(c.settled() for c in run.cases)
    passed = sum(1 for c in cases if c.passed)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id)
        await _check_target(uow.repo, ws, run.target)
        stored = TestRun(ws.id, uuid.uuid4().hex, run.target, cases, passed,
                         len(cases) - passed, now(), author)
        seq = await uow.repo.add_test_run(stored)
        await uow.commit()
    return TestRun(stored.workspace_id, stored.test_run_id, stored.target, stored.cases,
                   stored.passed_count, stored.failed_count, stored.created_at,
                   stored.created_by, seq)


async def _existing(repo: Repository, ws: Workspace, test_run_id: str, field: str,
                    ) -> TestRun:
    if not test_run_id:
        raise invalid(field, "is required", "REQUIRED")
    found = await repo.get_test_run(ws.id, test_run_id)
    if found is None:
        raise NotFound(f"test run {test_run_id!r} not found", reason="TEST_RUN_NOT_FOUND",
                       metadata={"test_run_id": test_run_id})
    return found


async def get_run(uowf: UnitOfWorkFactory, workspace_id: str, test_run_id: str) -> TestRun:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        return await _existing(uow.repo, ws, test_run_id, "test_run_id")


async def list_runs(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                    ) -> tuple[list[TestRun], str]:
    limit = paging.page_size(size)
    query = ["test_runs", workspace_id]
    before = paging.before_number(token, query)
    if before is not None and before <= 0:
        raise invalid("page_token", "is not a token this API issued", "BAD_PAGE_TOKEN")
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_test_runs(ws.id, before or 0, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, paging.encode(rows[-1].seq, query) if more else ""


async def diff(uowf: UnitOfWorkFactory, workspace_id: str, base_id: str, head_id: str,
               ) -> tuple[list[CaseChange], int]:
    if not base_id:
        raise invalid("base_test_run_id", "is required", "REQUIRED")
    if not head_id:
        raise invalid("head_test_run_id", "is required", "REQUIRED")
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        base = await _existing(uow.repo, ws, base_id, "base_test_run_id")
        head = await _existing(uow.repo, ws, head_id, "head_test_run_id")
    return diff_runs(base.cases, head.cases)
