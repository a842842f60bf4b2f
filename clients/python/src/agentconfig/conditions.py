"""Conditions are CEL expressions (through the maintained `common-expression-language`
bindings) over a small, documented conversation context:

``channel`` (map: ``id``, ``type``), ``locale`` (string), ``tags`` (list of strings),
``variables`` (map), ``message`` (string) and ``turn`` (int).

Validation parses them at edit time so a Draft with a broken condition cannot be published;
the runtime compiles each once per snapshot (cached by source text) and evaluates on every
request: the common shapes as Python closures (cel_subset.py), the rest with CEL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import cel

from agentconfig.cel_subset import compile_subset

CONTEXT_VARIABLES = frozenset({"channel", "locale", "tags", "variables", "message", "turn"})
MAX_CONDITION_LENGTH = 2000
# Evaluation cost: CEL has no loops but its comprehension macros; one (over a list that
# fits in the length limit, or the request's tags) stays cheap, nested ones multiply.
MAX_COMPREHENSIONS = 1
_COMPREHENSION = re.compile(
    r"\.\s*(?:all|exists|exists_one|map|filter)\s*\(\s*([A-Za-z_][A-Za-z0-9_]*)?")


class ConditionError(ValueError):
    """The expression does not parse or names an unknown variable."""


@dataclass(frozen=True)
class Condition:
    source: str
    program: Any
    variables: frozenset[str] = frozenset()  # the context variables it reads
    # the same condition as a Python closure, for typed activations (cel_subset.py)
    fast: Callable[[Mapping[str, Any]], Any] | None = None

    def evaluate(self, context: Mapping[str, Any] | Activation) -> bool:
        """True only for a boolean true; an evaluation error (missing key, wrong type) is
        false, so a condition over data a conversation lacks never fires by accident."""
        if isinstance(context, Activation):
            if context.typed and self.fast is not None:
                try:
                    return self.fast(context.context) is True
                except LookupError:
                    return False
            bound = context.bound
        else:
            bound = dict(context)
        try:
            return self.program.execute(bound) is True
        except Exception:
            return False


class Activation:
    """One request's context, converted to CEL values once (and only if a condition needs
    CEL) and shared by every condition evaluated for that request (the conversion costs
    more than evaluating). ``typed``: every variable present with its declared type, as
    full_context makes them, so conditions in the Python subset skip CEL."""

    __slots__ = ("_bound", "context", "typed")

    def __init__(self, context: Mapping[str, Any], typed: bool = False) -> None:
        self.context = context
        self.typed = typed
        self._bound: Any = None

    @property
    def bound(self) -> Any:
        if self._bound is None:
            self._bound = cel.Context(dict(self.context))
        return self._bound


@lru_cache(maxsize=4096)
def compile_condition(source: str) -> Condition:
    if not source.strip():
        raise ConditionError("condition is empty")
    if len(source) > MAX_CONDITION_LENGTH:
        raise ConditionError(f"condition is longer than {MAX_CONDITION_LENGTH} characters")
    if len(_COMPREHENSION.findall(source)) > MAX_COMPREHENSIONS:
        raise ConditionError(f"a condition may use at most {MAX_COMPREHENSIONS} comprehension "
                             "(all, exists, exists_one, map, filter), to bound its cost")
    try:
        program = cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        raise ConditionError(_first_line(str(exc))) from None
    bound = {name for name in _COMPREHENSION.findall(source) if name}  # e.g. t in tags.exists(t,
    unknown = sorted(set(program.variables()) - CONTEXT_VARIABLES - bound)
    if unknown:
        raise ConditionError(
            f"unknown variable(s) {', '.join(unknown)}; "
            f"the context has {', '.join(sorted(CONTEXT_VARIABLES))}"
        )
    return Condition(source, program, frozenset(program.variables()) & CONTEXT_VARIABLES,
                     compile_subset(source))


def check_condition(source: str) -> str | None:
    """The problem with ``source``, or None when it compiles."""
    try:
        compile_condition(source)
    except ConditionError as exc:
        return str(exc)
    return None


def full_context(context: Mapping[str, Any]) -> dict[str, Any]:
    """Every variable present, so a condition over an absent one evaluates rather than
    failing on an undefined name."""
    return {
        "channel": dict(context.get("channel") or {}),
        "locale": context.get("locale") or "",
        "tags": list(context.get("tags") or ()),
        "variables": dict(context.get("variables") or {}),
        "message": context.get("message") or "",
        "turn": int(context.get("turn") or 0),
    }


def _first_line(message: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    return " ".join(lines[:2]) if lines else "does not parse"
