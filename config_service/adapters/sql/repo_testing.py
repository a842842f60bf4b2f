"""Live data: test cases (one row each, turns and mocks as one JSON body) and test runs (a
summary row, and a row per case result whose per-turn results are JSON). Migration 0004
explains the split."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.engine import RowMapping

from agentconfig.canonical import stable_json
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import SqlBase, storable, utc
from config_service.domain.testcases import (
    CaseBody,
    CaseOutcome,
    CaseResultRow,
    ExpectationOutcome,
    RunTarget,
    TestCase,
    TestRun,
    TurnOutcome,
)


def _case_values(c: TestCase) -> dict[str, Any]:
    b = c.body
    return {"workspace_id": c.workspace_id, "test_case_id": b.test_case_id,
            "display_name": b.display_name, "target_kind": b.target_kind,
            "target_id": b.target_id, "etag": c.etag, "created_at": c.created_at,
            "updated_at": c.updated_at, "updated_by": c.updated_by,
            "body": stable_json({"responder": b.responder, "turns": list(b.turns),
                                    "mocks": list(b.mocks)})}


def _case_from(row: RowMapping) -> TestCase:
    body = json.loads(row["body"])
    return TestCase(row["workspace_id"], CaseBody(
        row["test_case_id"], row["display_name"], row["target_kind"], row["target_id"],
        body["responder"], tuple(body["turns"]), tuple(body["mocks"])), row["etag"],
        utc(row["created_at"]), utc(row["updated_at"]), row["updated_by"])  # type: ignore[arg-type]


def _turns_json(turns: tuple[TurnOutcome, ...]) -> str:
    return stable_json([{"index": u.index, "passed": u.passed, "reply": u.reply,
                            "trace": u.trace, "expectations": [e.__dict__ for e in
                                                               u.expectations]}
                           for u in turns])


def _turns_from(text: str) -> tuple[TurnOutcome, ...]:
    return tuple(TurnOutcome(u["index"], u["passed"], u["reply"], u["trace"], tuple(
        ExpectationOutcome(**e) for e in u["expectations"])) for u in json.loads(text))


def _run_from(row: RowMapping, cases: tuple[CaseOutcome, ...] = ()) -> TestRun:
    target = RunTarget(row["source"], row["version"], row["draft_revision"],
                       row["content_hash"])
    return TestRun(row["workspace_id"], row["test_run_id"], target, cases,
                   row["passed_count"], row["failed_count"],
                   utc(row["created_at"]), row["created_by"], row["seq"])  # type: ignore[arg-type]


class TestingStore(SqlBase):
    __test__ = False  # not a pytest class

    # test cases --------------------------------------------------------------------------
    async def add_test_case(self, case: TestCase) -> None:
        await self._conn.execute(insert(t.test_cases).values(_case_values(case)))

    async def get_test_case(self, workspace_id: str, test_case_id: str) -> TestCase | None:
        c = t.test_cases
        if not storable(test_case_id):  # no stored id can hold it: not there
            return None
        row = await self._row(select(c).where(c.c.workspace_id == workspace_id,
                                              c.c.test_case_id == test_case_id))
        return _case_from(row) if row else None

    async def save_test_case(self, case: TestCase) -> None:
        c = t.test_cases
        await self._conn.execute(update(c).where(
            c.c.workspace_id == case.workspace_id, c.c.test_case_id == case.test_case_id,
        ).values(_case_values(case)))

    async def delete_test_case(self, workspace_id: str, test_case_id: str) -> None:
        c = t.test_cases
        await self._conn.execute(delete(c).where(c.c.workspace_id == workspace_id,
                                                 c.c.test_case_id == test_case_id))

    async def list_test_cases(self, workspace_id: str, after: str = "",
                              limit: int | None = None) -> list[TestCase]:
        c = t.test_cases
        stmt = (select(c).where(c.c.workspace_id == workspace_id, c.c.test_case_id > after)
                .order_by(c.c.test_case_id))
        if limit:
            stmt = stmt.limit(limit)
        return [_case_from(r) for r in await self._rows(stmt)]

    async def count_test_cases(self, workspace_id: str) -> int:
        c = t.test_cases
        found = await self._conn.scalar(select(func.count()).select_from(c)
                                         .where(c.c.workspace_id == workspace_id))
        return int(found or 0)

    async def test_case_etags(self, workspace_id: str) -> dict[str, str]:
        c = t.test_cases
        rows = await self._rows(select(c.c.test_case_id, c.c.etag)
                                .where(c.c.workspace_id == workspace_id))
        return {r["test_case_id"]: r["etag"] for r in rows}

    # test runs ---------------------------------------------------------------------------
    async def add_test_run(self, run: TestRun) -> int:
        tg = run.target
        added = await self._conn.execute(insert(t.test_runs).values(
            workspace_id=run.workspace_id, test_run_id=run.test_run_id, source=tg.source,
            version=tg.version, draft_revision=tg.draft_revision,
            content_hash=tg.content_hash, passed_count=run.passed_count,
            failed_count=run.failed_count, created_at=run.created_at,
            created_by=run.created_by))
        seq = int(added.inserted_primary_key[0])  # type: ignore[index]
        if run.cases:
            await self._conn.execute(insert(t.test_run_cases), [
                {"run_seq": seq, "test_case_id": c.test_case_id, "position": i,
                 "test_case_etag": c.test_case_etag, "passed": c.passed, "error": c.error,
                 "turns": _turns_json(c.turns)} for i, c in enumerate(run.cases)])
        return seq

    async def get_test_run(self, workspace_id: str, test_run_id: str) -> TestRun | None:
        r, c = t.test_runs, t.test_run_cases
        if not storable(test_run_id):
            return None
        row = await self._row(select(r).where(r.c.workspace_id == workspace_id,
                                              r.c.test_run_id == test_run_id))
        if row is None:
            return None
        rows = await self._rows(select(c).where(c.c.run_seq == row["seq"])
                                .order_by(c.c.position))
        return _run_from(row, tuple(
            CaseOutcome(x["test_case_id"], x["test_case_etag"], bool(x["passed"]),
                        _turns_from(x["turns"]), x["error"]) for x in rows))

    async def list_test_runs(self, workspace_id: str, before: int, limit: int,
                             ) -> list[TestRun]:
        r = t.test_runs
        stmt = select(r).where(r.c.workspace_id == workspace_id)
        if before:
            stmt = stmt.where(r.c.seq < before)
        return [_run_from(x) for x in await self._rows(stmt.order_by(r.c.seq.desc())
                                                       .limit(limit))]

    async def draft_case_results(self, workspace_id: str, draft_revision: int,
                                 ) -> tuple[int, list[CaseResultRow]]:
        r, c = t.test_runs, t.test_run_cases
        runs = await self._rows(select(r.c.seq).where(
            r.c.workspace_id == workspace_id, r.c.source == "draft",
            r.c.draft_revision == draft_revision))
        seqs = [x["seq"] for x in runs]
        if not seqs:
            return 0, []
        rows = await self._rows(select(c.c.run_seq, c.c.test_case_id, c.c.test_case_etag,
                                       c.c.passed).where(c.c.run_seq.in_(seqs)))
        return len(seqs), [CaseResultRow(x["run_seq"], x["test_case_id"],
                                         x["test_case_etag"], bool(x["passed"])) for x in rows]
