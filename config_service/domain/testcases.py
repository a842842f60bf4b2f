"""Test cases and test runs: live data of a workspace, like channels. A case is a
conversation to replay (turns, each with a user message, a scripted model move and what it
must show); a run is what came of replaying cases against the Draft, a version or
Production. Publish and rollback never touch either.

Turns, mocks and traces stay in the proto3 JSON mapping (like entity specs), so the domain
can check, hash, store and compare them without knowing protobuf."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agentconfig.canonical import stable_json

Json = dict[str, Any]
TARGET_KINDS = ("agent", "squad")
RESPONDERS = ("scripted", "configured")
SOURCES = ("draft", "version", "production")


@dataclass(frozen=True)
class CaseBody:
    """What a builder writes; the etag is derived from it, so the same body keeps its etag
    and a run can tell whether it ran the case as it is now."""

    test_case_id: str
    display_name: str
    target_kind: str  # agent | squad
    target_id: str
    responder: str  # scripted | configured
    turns: tuple[Json, ...]  # TestTurn, proto3 JSON
    mocks: tuple[Json, ...] = ()  # ToolMock, proto3 JSON

    def as_json(self) -> Json:
        return {"test_case_id": self.test_case_id, "display_name": self.display_name,
                "target_kind": self.target_kind, "target_id": self.target_id,
                "responder": self.responder, "turns": list(self.turns),
                "mocks": list(self.mocks)}

    def etag(self) -> str:
        return hashlib.sha256(stable_json(self.as_json()).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class TestCase:
    __test__ = False  # not a pytest class

    workspace_id: str
    body: CaseBody
    etag: str
    created_at: datetime
    updated_at: datetime
    updated_by: str

    @property
    def test_case_id(self) -> str:
        return self.body.test_case_id


@dataclass(frozen=True)
class ExpectationOutcome:
    expectation: str  # "agent_id", "tool_calls[0]", "reply_contains[1]" ...
    passed: bool
    expected: str = ""
    observed: str = ""


@dataclass(frozen=True)
class TurnOutcome:
    index: int
    passed: bool
    reply: str
    trace: Json  # ChatTrace, proto3 JSON
    expectations: tuple[ExpectationOutcome, ...] = ()


@dataclass(frozen=True)
class CaseOutcome:
    test_case_id: str
    test_case_etag: str
    passed: bool
    turns: tuple[TurnOutcome, ...] = ()
    error: str = ""  # the case could not run (e.g. its target is not there)

    def settled(self) -> CaseOutcome:
        """A case passes only when it ran and every expectation of every turn held; a run
        cannot claim more than its results show."""
        turns = tuple(TurnOutcome(t.index, t.passed and all(e.passed for e in t.expectations),
                                  t.reply, t.trace, t.expectations) for t in self.turns)
        passed = self.passed and not self.error and all(t.passed for t in turns)
        return CaseOutcome(self.test_case_id, self.test_case_etag, passed, turns, self.error)


@dataclass(frozen=True)
class RunTarget:
    source: str  # draft | version | production
    version: int = 0  # for version and production
    draft_revision: int = 0  # for draft
    content_hash: str = ""


@dataclass(frozen=True)
class TestRun:
    __test__ = False  # not a pytest class

    workspace_id: str
    test_run_id: str
    target: RunTarget
    cases: tuple[CaseOutcome, ...]  # empty when listed (summaries only)
    passed_count: int
    failed_count: int
    created_at: datetime
    created_by: str
    seq: int = 0  # storage order, for newest-first paging


@dataclass(frozen=True)
class CaseResultRow:
    """What the publish gate reads of a stored run: one case's outcome, newest run first."""

    run_seq: int
    test_case_id: str
    test_case_etag: str
    passed: bool
