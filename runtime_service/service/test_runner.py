"""RunTests: replay a workspace's test cases through the internal chat against the Draft
(its current revision), a version or Production, check each turn's expectations, and
store the run in the config service.

The config service is read and written with the caller's own key (SuiteStore), so a run
reads and stores what the caller may. Cases run concurrently (bounded), each in a fresh
conversation, through ChatService.turn exactly as a builder's chat would, with the scripted
responder unless the case asks for the configured model. A case that cannot run (its
target is not there, a turn is refused) is a failed case with its error, not a failed RPC;
only a dependency that is down fails the RPC (UNAVAILABLE)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from agentconfig.errors import AgentConfigError, FailedPrecondition, NotFound, invalid
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from runtime_service.service.case_runner import Judge, Target, run_case
from runtime_service.service.chat import ChatService
from runtime_service.service.ports import CallerMetadata, SuiteStore
from runtime_service.service.run_pins import pinned

CONCURRENCY = 8
MAX_CASE_IDS = 500
SOURCES = (rpb.TEST_TARGET_SOURCE_DRAFT, rpb.TEST_TARGET_SOURCE_VERSION,
           rpb.TEST_TARGET_SOURCE_PRODUCTION)


@dataclass(frozen=True)
class RunRequest:
    workspace_id: str
    source: int  # rpb.TestTargetSource
    version: int
    test_case_ids: tuple[str, ...]
    caller: CallerMetadata


def first_error(failed: BaseExceptionGroup[BaseException]) -> BaseException:
    """The domain error a case's task failed with (the others were cancelled for it)."""
    for error in failed.exceptions:
        if isinstance(error, BaseExceptionGroup):
            return first_error(error)
        if isinstance(error, AgentConfigError):
            return error
    return failed


def check(req: RunRequest) -> None:
    if req.source not in SOURCES:
        raise invalid("source", "must be TEST_TARGET_SOURCE_DRAFT, _VERSION or _PRODUCTION",
                      "REQUIRED")
    if req.source == rpb.TEST_TARGET_SOURCE_VERSION and req.version <= 0:
        raise invalid("version", "must be a version number for TEST_TARGET_SOURCE_VERSION",
                      "BAD_VERSION")
    if len(req.test_case_ids) > MAX_CASE_IDS:
        raise invalid("test_case_ids", f"has {len(req.test_case_ids)} ids; the limit is "
                      f"{MAX_CASE_IDS}", "TOO_MANY")


class TestRunner:
    __test__ = False  # not a pytest class

    def __init__(self, suites: SuiteStore, chat: ChatService, judge: Judge | None = None,
                 concurrency: int = CONCURRENCY) -> None:
        self._suites = suites
        self._chat = chat
        self._judge = judge
        self._concurrency = concurrency

    async def run(self, req: RunRequest) -> tpb.TestRun:
        check(req)
        cases = await self._cases(req)
        target, draft = await self._target(req)
        limit = asyncio.Semaphore(self._concurrency)
        nonce = uuid.uuid4().hex[:12]

        async def bounded(case: tpb.TestCase) -> tpb.CaseResult:
            async with limit:
                return await self._case(req.workspace_id, target, case, nonce)

        with pinned(req.workspace_id, draft):  # one Draft revision for every turn
            try:
                async with asyncio.TaskGroup() as group:  # one dependency down: all stop
                    tasks = [group.create_task(bounded(c)) for c in cases]
            except BaseExceptionGroup as failed:
                raise first_error(failed) from None
        run = tpb.TestRun(workspace_id=req.workspace_id, source=target.source,  # type: ignore[arg-type]
                          version=target.version, draft_revision=target.draft_revision,
                          content_hash=target.content_hash, cases=[t.result() for t in tasks])
        return await self._suites.store_run(req.workspace_id, run, req.caller)

    async def _cases(self, req: RunRequest) -> list[tpb.TestCase]:
        cases = await self._suites.test_cases(req.workspace_id, req.caller)
        if not req.test_case_ids:
            return cases
        by_id = {c.test_case_id: c for c in cases}
        missing = [i for i in dict.fromkeys(req.test_case_ids) if i not in by_id]
        if missing:
            raise NotFound(f"test case(s) not found: {', '.join(missing[:20])}",
                           reason="TEST_CASE_NOT_FOUND",
                           metadata={"test_case_ids": ",".join(missing[:20])})
        return [by_id[i] for i in dict.fromkeys(req.test_case_ids)]

    async def _target(self, req: RunRequest) -> tuple[Target, pb.Snapshot | None]:
        """What the run tests, and for the Draft its content (held for the whole run)."""
        if req.source == rpb.TEST_TARGET_SOURCE_DRAFT:
            draft = await self._suites.draft(req.workspace_id, req.caller)
            return Target(req.source, 0, draft.draft_revision, draft.content_hash), draft
        wanted = req.version if req.source == rpb.TEST_TARGET_SOURCE_VERSION else 0
        try:
            number, digest = await self._suites.version_head(req.workspace_id, wanted,
                                                             req.caller)
        except NotFound as exc:
            if exc.reason != "NO_PRODUCTION":
                raise
            raise FailedPrecondition("nothing is published yet: there is no Production to "
                                     "test", reason="NO_PRODUCTION") from None
        return Target(req.source, number, 0, digest), None

    async def _case(self, workspace_id: str, target: Target, case: tpb.TestCase, nonce: str,
                    ) -> tpb.CaseResult:
        return await run_case(self._chat, self._judge, workspace_id, target, case,
                              f"test-{nonce}-{case.test_case_id}")
