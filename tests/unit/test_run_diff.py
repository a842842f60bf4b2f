"""The behavioural diff and the publish gate's verdict, as pure functions."""

from __future__ import annotations

from config_service.domain.run_diff import CaseChange, ExpectationChange, TurnChange, diff_runs
from config_service.domain.suite_gate import verdict
from config_service.domain.testcases import (
    CaseOutcome,
    CaseResultRow,
    ExpectationOutcome,
    TurnOutcome,
)


def outcome(case_id: str, *turns: dict[str, tuple[bool, str]], error: str = "",
            ) -> CaseOutcome:
    """Each turn: expectation -> (passed, observed)."""
    ran = tuple(TurnOutcome(i, True, "reply", {}, tuple(
        ExpectationOutcome(name, ok, "", seen) for name, (ok, seen) in t.items()))
        for i, t in enumerate(turns))
    return CaseOutcome(case_id, "e1", not error, ran, error).settled()


def test_same_outcomes_are_unchanged() -> None:
    runs = (outcome("a", {"agent_id": (True, "support")}),
            outcome("b", {"reply_contains[0]": (False, "hello")}))
    assert diff_runs(runs, runs) == ([], 2)


def test_observed_text_alone_is_not_a_change() -> None:
    base = (outcome("a", {"reply_regex": (True, "hi there")}),)
    head = (outcome("a", {"reply_regex": (True, "hi again")}),)
    assert diff_runs(base, head) == ([], 1)
    # an expectation only one side checked (the case gained a turn) is a change
    longer = (outcome("a", {"reply_regex": (True, "hi")}, {"agent_id": (True, "support")}),)
    changes, _ = diff_runs(base, longer)
    assert changes[0].turns == (TurnChange(1, (
        ExpectationChange("agent_id", False, True, "not checked", "support"),)),)


def test_a_handoff_change_names_the_case_turn_and_expectation() -> None:
    base = (outcome("handoff", {"agent_id": (True, "support")}, {"agent_id": (True, "billing")}),
            outcome("greeting", {"reply_contains[0]": (True, "Hi")}))
    head = (outcome("handoff", {"agent_id": (True, "support")}, {"agent_id": (False, "support")}),
            outcome("greeting", {"reply_contains[0]": (True, "Hi")}))
    changes, unchanged = diff_runs(base, head)
    assert unchanged == 1
    assert changes == [CaseChange("handoff", True, False, turns=(TurnChange(1, (
        ExpectationChange("agent_id", True, False, "billing", "support"),)),))]


def test_cases_only_on_one_side_and_cases_that_could_not_run() -> None:
    base = (outcome("old", {"agent_id": (True, "x")}), outcome("gone", {"agent_id": (True, "x")}))
    head = (outcome("new", {"agent_id": (True, "x")}),
            outcome("gone", error="squad 'desk' is not in the Draft"))
    changes, unchanged = diff_runs(base, head)
    assert unchanged == 0
    assert [(c.test_case_id, c.only_in_base, c.only_in_head) for c in changes] == [
        ("gone", False, False), ("new", False, True), ("old", True, False)]
    gone = changes[0]
    assert (gone.base_passed, gone.head_passed) == (True, False)
    assert gone.turns[0].expectations[0].head_observed == \
        "not run: squad 'desk' is not in the Draft"


def test_a_run_cannot_claim_a_pass_its_results_do_not_show() -> None:
    claimed = CaseOutcome("a", "e", True, (TurnOutcome(0, True, "", {}, (
        ExpectationOutcome("agent_id", False),)),))
    settled = claimed.settled()
    assert (settled.passed, settled.turns[0].passed) == (False, False)
    assert not CaseOutcome("a", "e", True, (), "boom").settled().passed


def row(seq: int, case_id: str, etag: str, passed: bool) -> CaseResultRow:
    return CaseResultRow(seq, case_id, etag, passed)


def test_gate_verdicts() -> None:
    cases = {"a": "e1", "b": "e2"}
    assert verdict(cases, 0, []).reason == "TESTS_NOT_RUN"
    assert not verdict(cases, 0, []).passed
    both = [row(1, "a", "e1", True), row(1, "b", "e2", True)]
    assert verdict(cases, 1, both).passed
    failing = verdict(cases, 1, [row(1, "a", "e1", True), row(1, "b", "e2", False)])
    assert (failing.reason, failing.failing, failing.not_run) == ("TESTS_FAILING", ("b",), ())
    # the newest result of a case counts, across runs on the same revision
    fixed = verdict(cases, 2, [*both[:1], row(1, "b", "e2", False), row(2, "b", "e2", True)])
    assert fixed.passed
    # a case edited since it ran (another etag) or added since must run again
    edited = verdict({"a": "e1", "b": "e3", "c": "e4"}, 1, both)
    assert (edited.reason, edited.not_run) == ("TESTS_NOT_RUN", ("b", "c"))
    # with no cases at all, a run on the revision is enough
    assert verdict({}, 1, []).passed and not verdict({}, 0, []).passed
