"""The checks of a test run a caller asks to store (normally the runtime's RunTests, on
the caller's behalf): a known target, ids that could be test cases, and bounded text, so a
run is as safe to keep and show as a case. Whether its version or revision exists is the
use case's question (it needs the store)."""

from __future__ import annotations

import re

from agentconfig.errors import FieldViolation
from config_service.domain import limits as L
from config_service.domain.field_checks import violation
from config_service.domain.testcases import SOURCES, CaseOutcome, RunTarget, TurnOutcome

HASH = re.compile(r"^[0-9a-f]{64}\Z")
MAX_EXPECTATIONS = 200  # per turn


def check_target(target: RunTarget, p: str = "test_run.") -> list[FieldViolation]:
    if target.source not in SOURCES:
        return [violation(f"{p}source", "is required: TEST_TARGET_SOURCE_DRAFT, _VERSION or "
                          "_PRODUCTION", "REQUIRED")]
    out = []
    if target.source == "draft" and target.draft_revision < 0:
        out.append(violation(f"{p}draft_revision", "must not be negative", "OUT_OF_RANGE"))
    if target.source != "draft" and target.version <= 0:
        out.append(violation(f"{p}version", "must be the version run against (1, 2, 3 ...)",
                             "BAD_VERSION"))
    if not HASH.match(target.content_hash):
        out.append(violation(f"{p}content_hash", "must be the 64 hex digits of the content "
                             "run against", "BAD_HASH"))
    return out


def _long(value: str, path: str, limit: int = L.MAX_RUN_TEXT) -> list[FieldViolation]:
    if len(value) > limit:
        return [violation(path, f"is {len(value)} characters; the limit is {limit}",
                          "TOO_LONG")]
    return []


def _turn(turn: TurnOutcome, p: str) -> list[FieldViolation]:
    out = _long(turn.reply, f"{p}reply")
    if len(turn.expectations) > MAX_EXPECTATIONS:
        out.append(violation(f"{p}expectations", f"has {len(turn.expectations)} items; the "
                             f"limit is {MAX_EXPECTATIONS}", "TOO_MANY"))
    for i, e in enumerate(turn.expectations[:MAX_EXPECTATIONS]):
        ep = f"{p}expectations[{i}]."
        out += _long(e.expectation, f"{ep}expectation", L.MAX_NAME)
        out += _long(e.expected, f"{ep}expected") + _long(e.observed, f"{ep}observed")
    return out


def _case(case: CaseOutcome, p: str) -> list[FieldViolation]:
    out = []
    if not L.ENTITY_ID.match(case.test_case_id):
        out.append(violation(f"{p}test_case_id", f"{case.test_case_id!r} is not a test case "
                             "id", "BAD_ID"))
    out += _long(case.test_case_etag, f"{p}test_case_etag", 64) + _long(case.error, f"{p}error")
    if len(case.turns) > L.MAX_TEST_TURNS:
        out.append(violation(f"{p}turns", f"has {len(case.turns)} turns; the limit is "
                             f"{L.MAX_TEST_TURNS}", "TOO_MANY"))
    for i, turn in enumerate(case.turns[:L.MAX_TEST_TURNS]):
        out += _turn(turn, f"{p}turns[{i}].")
    return out


def check_run(target: RunTarget, cases: tuple[CaseOutcome, ...], p: str = "test_run.",
              ) -> list[FieldViolation]:
    out = check_target(target, p)
    if len(cases) > L.MAX_TEST_CASES_PER_WORKSPACE:
        out.append(violation(f"{p}cases", f"has {len(cases)} cases; the limit is "
                             f"{L.MAX_TEST_CASES_PER_WORKSPACE}", "TOO_MANY"))
    seen: set[str] = set()
    for i, case in enumerate(cases[:L.MAX_TEST_CASES_PER_WORKSPACE]):
        out += _case(case, f"{p}cases[{i}].")
        if case.test_case_id in seen:
            out.append(violation(f"{p}cases[{i}].test_case_id", f"{case.test_case_id!r} is "
                                 "in the run twice", "DUPLICATE"))
        seen.add(case.test_case_id)
    return out
