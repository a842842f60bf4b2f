"""The behavioural diff: which cases' outcomes change between two runs (say Production, the
base, and the Draft, the head), per turn and per expectation. Beside DiffDraft's field diff
it is what a reviewer reads before publishing: "this edit changes who answers turn 2 of
these three cases".

An expectation changes when it passes on one side and not on the other; one that only one
side checked (a turn the other side never reached, say because its case could not run)
counts as failed on the side that lacks it, with the case's error as what was observed."""

from __future__ import annotations

from dataclasses import dataclass

from config_service.domain.testcases import CaseOutcome, ExpectationOutcome


@dataclass(frozen=True)
class ExpectationChange:
    expectation: str
    base_passed: bool
    head_passed: bool
    base_observed: str
    head_observed: str


@dataclass(frozen=True)
class TurnChange:
    index: int
    expectations: tuple[ExpectationChange, ...]


@dataclass(frozen=True)
class CaseChange:
    test_case_id: str
    base_passed: bool
    head_passed: bool
    only_in_base: bool = False
    only_in_head: bool = False
    turns: tuple[TurnChange, ...] = ()


Outcomes = dict[tuple[int, str], ExpectationOutcome]


def _outcomes(case: CaseOutcome) -> Outcomes:
    return {(t.index, e.expectation): e for t in case.turns for e in t.expectations}


def _missing(case: CaseOutcome) -> ExpectationOutcome:
    return ExpectationOutcome("", False, observed=f"not run: {case.error}" if case.error
                              else "not checked")


def _turn_changes(base: CaseOutcome, head: CaseOutcome) -> tuple[TurnChange, ...]:
    old, new = _outcomes(base), _outcomes(head)
    changed: dict[int, list[ExpectationChange]] = {}
    for key in sorted(old.keys() | new.keys()):
        b, h = old.get(key, _missing(base)), new.get(key, _missing(head))
        if b.passed != h.passed:
            changed.setdefault(key[0], []).append(
                ExpectationChange(key[1], b.passed, h.passed, b.observed, h.observed))
    return tuple(TurnChange(index, tuple(items)) for index, items in sorted(changed.items()))


def diff_runs(base: tuple[CaseOutcome, ...], head: tuple[CaseOutcome, ...],
              ) -> tuple[list[CaseChange], int]:
    """The cases whose outcome changes (sorted by id), and how many ran in both unchanged."""
    old = {c.test_case_id: c for c in base}
    new = {c.test_case_id: c for c in head}
    changes: list[CaseChange] = []
    unchanged = 0
    for case_id in sorted(old.keys() | new.keys()):
        b, h = old.get(case_id), new.get(case_id)
        if b is None or h is None:
            changes.append(CaseChange(case_id, b.passed if b else False,
                                      h.passed if h else False, only_in_base=h is None,
                                      only_in_head=b is None))
            continue
        turns = _turn_changes(b, h)
        if turns or b.passed != h.passed:
            changes.append(CaseChange(case_id, b.passed, h.passed, turns=turns))
        else:
            unchanged += 1
    return changes, unchanged
