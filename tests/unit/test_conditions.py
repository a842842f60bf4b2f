"""CEL conditions: what parses, what names unknown variables, and how evaluation treats
missing data (false, never an error)."""

from __future__ import annotations

from typing import Any

import pytest

from agentconfig.conditions import (
    MAX_CONDITION_LENGTH,
    ConditionError,
    check_condition,
    compile_condition,
    full_context,
)


@pytest.mark.parametrize(("source", "fragment"), [
    ("", "empty"),
    ("   ", "empty"),
    ("turn >", ""),
    ("tags.exists(", ""),
    ('"unterminated', ""),
    ("a" * (MAX_CONDITION_LENGTH + 1), "longer than"),
    ("user.vip", "unknown variable(s) user"),
    ("vip && turn > 1", "unknown variable(s) vip"),
    ("x == y", "unknown variable(s) x, y"),
])
def test_refused(source: str, fragment: str) -> None:
    with pytest.raises(ConditionError) as exc:
        compile_condition(source)
    assert fragment in str(exc.value)
    assert check_condition(source) == str(exc.value)
    assert "\n" not in str(exc.value)


@pytest.mark.parametrize("source", [
    '"vip" in tags', "turn > 3", 'locale.startsWith("pt")', 'channel.type == "whatsapp"',
    'variables.plan == "gold" && message.contains("refund")', "true",
])
def test_accepted(source: str) -> None:
    assert check_condition(source) is None


CTX: dict[str, Any] = {"channel": {"id": "web", "type": "whatsapp"}, "locale": "pt-BR",
                       "tags": ["vip"], "variables": {"plan": "gold"},
                       "message": "I want a refund", "turn": 4}


@pytest.mark.parametrize(("source", "context", "expected"), [
    ('"vip" in tags', CTX, True),
    ('"new" in tags', CTX, False),
    ("turn > 3", CTX, True),
    ("turn > 5", CTX, False),
    ('locale.startsWith("pt")', CTX, True),
    ('variables.plan == "gold" && message.contains("refund")', CTX, True),
    ('channel.type == "whatsapp"', CTX, True),
    # missing data is false, not an error
    ('variables.plan == "gold"', full_context({}), False),
    ('channel.type == "whatsapp"', full_context({}), False),
    ('"vip" in tags', {}, False),
    ("turn > 3", {"turn": "four"}, False),
    # only a boolean true fires
    ("turn", CTX, False),
    ('"yes"', CTX, False),
])
def test_evaluate(source: str, context: dict[str, Any], expected: bool) -> None:
    assert compile_condition(source).evaluate(context) is expected


def test_full_context_fills_every_variable() -> None:
    assert full_context({"turn": 2}) == {"channel": {}, "locale": "", "tags": [],
                                         "variables": {}, "message": "", "turn": 2}
