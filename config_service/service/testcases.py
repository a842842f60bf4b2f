"""Test cases: live data of a workspace, written with etags (a stale one is ABORTED) and
audited; publish, rollback and restores never touch them. A case is checked on its own
(testcase_checks) and against the content that holds its target (testcase_refs: the Draft,
else Production), every problem with its path."""

from __future__ import annotations

from agentconfig.errors import (
    AlreadyExists,
    Conflict,
    FieldViolation,
    InvalidArgument,
    NotFound,
    ResourceExhausted,
    invalid,
)
from config_service.domain import limits as L
from config_service.domain.model import Key, Spec, Workspace
from config_service.domain.testcase_checks import check_case
from config_service.domain.testcase_refs import references
from config_service.domain.testcases import CaseBody, TestCase
from config_service.service import audit, paging
from config_service.service.common import now, production_manifest, specs_of, workspace
from config_service.service.ports import Repository, UnitOfWorkFactory


def refuse(case_id: str, violations: list[FieldViolation]) -> InvalidArgument:
    first = violations[0]
    more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
    return InvalidArgument(f"test case {case_id!r}: {first.field}: {first.description}{more}",
                           violations=violations)


def _check(body: CaseBody) -> None:
    problems = check_case(body)
    if problems:
        raise refuse(body.test_case_id, problems)


async def _content(repo: Repository, ws: Workspace, target: Key) -> dict[Key, Spec]:
    """The Draft's content when it holds the target, else Production's."""
    draft = await repo.draft_manifest(ws.id)
    if target in draft:
        return await specs_of(repo, draft)
    return await specs_of(repo, await production_manifest(repo, ws))


async def _check_references(repo: Repository, ws: Workspace, body: CaseBody) -> None:
    problems = references(body, await _content(repo, ws, (body.target_kind, body.target_id)))
    if problems:
        raise refuse(body.test_case_id, problems)


async def _existing(repo: Repository, ws: Workspace, test_case_id: str) -> TestCase:
    if not test_case_id:
        raise invalid("test_case_id", "is required", "REQUIRED")
    found = await repo.get_test_case(ws.id, test_case_id)
    if found is None:
        raise NotFound(f"test case {test_case_id!r} not found", reason="TEST_CASE_NOT_FOUND",
                       metadata={"test_case_id": test_case_id})
    return found


def _check_etag(case: TestCase, etag: str, field: str) -> None:
    if not etag:
        raise invalid(field, "is required: send the etag you read", "REQUIRED")
    if etag != case.etag:
        raise Conflict(f"test case {case.test_case_id!r} changed since you read it",
                       reason="STALE_ETAG", metadata={"current_etag": case.etag})


def _details(body: CaseBody) -> dict[str, object]:
    return {"target": f"{body.target_kind}/{body.target_id}", "turns": len(body.turns)}


async def create_case(uowf: UnitOfWorkFactory, workspace_id: str, body: CaseBody,
                      author: str) -> TestCase:
    _check(body)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        if await uow.repo.get_test_case(ws.id, body.test_case_id):
            raise AlreadyExists(f"test case {body.test_case_id!r} already exists",
                                reason="TEST_CASE_EXISTS")
        if await uow.repo.count_test_cases(ws.id) >= L.MAX_TEST_CASES_PER_WORKSPACE:
            raise ResourceExhausted(f"a workspace holds at most "
                                    f"{L.MAX_TEST_CASES_PER_WORKSPACE} test cases",
                                    reason="TOO_MANY_TEST_CASES")
        await _check_references(uow.repo, ws, body)
        at = now()
        case = TestCase(ws.id, body, body.etag(), at, at, author)
        await uow.repo.add_test_case(case)
        await audit.record(uow.repo, ws.id, "test_case.create", body.test_case_id,
                           _details(body), author)
        await uow.commit()
    return case


async def get_case(uowf: UnitOfWorkFactory, workspace_id: str, test_case_id: str,
                   ) -> TestCase:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        return await _existing(uow.repo, ws, test_case_id)


async def update_case(uowf: UnitOfWorkFactory, workspace_id: str, body: CaseBody, etag: str,
                      author: str) -> TestCase:
    """The same body again changes nothing (the etag is the body's)."""
    _check(body)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await _existing(uow.repo, ws, body.test_case_id)
        _check_etag(current, etag, "etag")
        if body.etag() == current.etag:
            return current
        await _check_references(uow.repo, ws, body)
        case = TestCase(ws.id, body, body.etag(), current.created_at, now(), author)
        await uow.repo.save_test_case(case)
        await audit.record(uow.repo, ws.id, "test_case.update", body.test_case_id,
                           _details(body), author)
        await uow.commit()
    return case


async def delete_case(uowf: UnitOfWorkFactory, workspace_id: str, test_case_id: str,
                      etag: str, author: str) -> None:
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        current = await _existing(uow.repo, ws, test_case_id)
        _check_etag(current, etag, "etag")
        await uow.repo.delete_test_case(ws.id, test_case_id)
        await audit.record(uow.repo, ws.id, "test_case.delete", test_case_id, author=author)
        await uow.commit()


async def list_cases(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                     ) -> tuple[list[TestCase], str]:
    limit = paging.page_size(size)
    query = ["test_cases", workspace_id]
    cursor = paging.after_id(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_test_cases(ws.id, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, paging.encode(rows[-1].test_case_id, query) if more else ""
