"""Conditions are bounded in evaluation cost as well as length: nested comprehensions,
whose cost multiplies, are refused; the most expensive condition allowed stays cheap."""

from __future__ import annotations

import pytest

from agentconfig.conditions import MAX_CONDITION_LENGTH, check_condition, compile_condition

LIST = "[" + ",".join(str(i) for i in range(100)) + "]"


@pytest.mark.parametrize("source", [
    f"{LIST}.all(a, {LIST}.all(b, a + b >= 0))",
    'tags.exists(t, t == "a") && tags.exists(t, t == "b")',
    f"{LIST}.map(x, x * 2).filter(y, y > 3).size() > 0",
])
def test_more_than_one_comprehension_is_refused(source: str) -> None:
    problem = check_condition(source)
    assert problem is not None and "at most 1 comprehension" in problem


def test_the_largest_allowed_comprehension_still_compiles_and_evaluates() -> None:
    biggest = "[" + ",".join(str(i) for i in range(420)) + "]"
    source = f"{biggest}.exists(x, x == 419 && message.contains(string(x)))"
    assert len(source) <= MAX_CONDITION_LENGTH
    condition = compile_condition(source)
    context = {"channel": {}, "locale": "", "tags": [], "variables": {},
               "message": "x" * 8000 + "419", "turn": 0}
    assert condition.evaluate(context) is True


def test_one_comprehension_is_fine_and_its_variable_is_not_unknown() -> None:
    assert check_condition('tags.exists(t, t.startsWith("vip"))') is None
    assert check_condition("tags.all(tag, size(tag) < 20)") is None
    problem = check_condition("tags.all(tag, size(other) < 20)")
    assert problem is not None and "unknown variable(s) other" in problem
