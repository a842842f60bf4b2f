"""The Python subset of conditions answers exactly as CEL does (issue 11, the read path):
generated expressions over generated contexts, each evaluated both ways; what is outside the
subset is left to CEL."""

from __future__ import annotations

from typing import Any

import cel
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agentconfig.cel_subset import compile_subset
from agentconfig.conditions import Activation, compile_condition, full_context

WORDS = ["", "vip", "pt", "pt-BR", "invoice", "héllo", "日本", "a b", "VIP", "web"]
words = st.sampled_from(WORDS)
strings = st.one_of(words.map(lambda w: f'"{w}"'), words.map(lambda w: f"'{w}'"),
                    st.sampled_from(["message", "locale", "channel.id", "channel.type"]))
ints = st.one_of(st.integers(0, 12).map(str), st.sampled_from(
    ["turn", "size(tags)", "tags.size()", "size(channel)"]))
collections = st.sampled_from(["tags", "channel"])


def _bools() -> st.SearchStrategy[str]:
    relation = st.one_of(
        st.tuples(strings, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), strings),
        st.tuples(ints, st.sampled_from(["==", "!=", "<", ">=", ">"]), ints),
        st.tuples(strings, st.just("in"), collections),
        st.tuples(strings, st.sampled_from([".contains", ".startsWith", ".endsWith"]),
                  strings.map(lambda s: f"({s})")),
    ).map(lambda t: "".join(t) if t[1].startswith(".") else " ".join(t))
    base = st.one_of(relation, st.sampled_from(["true", "false"]))
    return st.recursive(base, lambda inner: st.one_of(
        inner.map(lambda e: f"!({e})"),
        st.tuples(inner, st.sampled_from(["&&", "||"]), inner).map(
            lambda t: f"({t[0]}) {t[1]} ({t[2]})")), max_leaves=6)


contexts = st.fixed_dictionaries({
    "tags": st.lists(words, max_size=3), "message": words, "locale": words,
    "turn": st.integers(0, 12),
    "channel": st.fixed_dictionaries({}, optional={"id": words, "type": words})})


def _cel(source: str, context: dict[str, Any]) -> bool:
    try:
        return cel.compile(source).execute(cel.Context(context)) is True
    except Exception:
        return False


def _fast(source: str, context: dict[str, Any]) -> bool:
    fn = compile_subset(source)
    assert fn is not None, source
    try:
        return fn(context) is True
    except LookupError:
        return False


@settings(max_examples=400, deadline=None)
@given(_bools(), contexts)
def test_subset_answers_as_cel(source: str, context: dict[str, Any]) -> None:
    assert _fast(source, context) == _cel(source, context), source


@settings(max_examples=100, deadline=None)
@given(_bools(), contexts)
def test_a_condition_answers_the_same_on_both_paths(source: str, context: dict[str, Any],
                                                    ) -> None:
    condition = compile_condition(source)
    full = full_context(context)
    assert condition.fast is not None
    assert condition.evaluate(Activation(full, typed=True)) == condition.evaluate(
        Activation(full)) == condition.evaluate(full)


@pytest.mark.parametrize("source", [
    'variables.plan == "pro"', 'tags.exists(t, t == "vip")', 'message.matches("^hi")',
    "turn == 3.0", "turn + 1 > 2", "-1 < turn", "1u < 2u", 'turn == "3"', "0x10 > turn",
    '"a\\"b" == message', 'message == r"x"', "null == null", "has(channel.id)",
    'channel.name == "x"', 'tags == ["vip"]', "size(turn) > 0", "true == 1",
    '"vip" in tags == true', "turn", 'channel["id"] == "web"', "true ? true : false",
    "9223372036854775808 > turn", 'message.contains(1)', "// comment\ntrue",
    '"""x""" == message', "size(message) == 2", 'message.size() > 1',
])
def test_outside_the_subset_stays_cel(source: str) -> None:
    assert compile_subset(source) is None
