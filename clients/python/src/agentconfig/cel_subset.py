"""The common shapes of conditions, compiled to Python closures: handing a request's values
to CEL costs several microseconds (a CEL environment is built per activation), evaluating
``"vip" in tags && message.contains("invoice")`` in Python well under one. Only what is
typed and cannot differ from CEL is taken: string, int and bool literals (no escapes),
the typed context variables (``tags`` list of strings, ``message`` and ``locale`` strings,
``turn`` int, ``channel.id``/``channel.type``), ``==`` ``!=`` ``<`` ``<=`` ``>`` ``>=``
``in``, ``!`` ``&&`` ``||``, ``contains``/``startsWith``/``endsWith``, ``size`` of a list or
map (of a string, this CEL counts UTF-8 bytes, not characters: left to it). Anything
else (``variables``, macros, regexes, arithmetic, mixed types) returns None and stays CEL's.
tests/unit/test_cel_subset.py checks every answer against CEL on generated expressions.

The closures take the context as conditions.full_context builds it (every variable, its
declared type). A missing variable or channel key is an error as in CEL, and ``&&``/``||``
absorb errors the way CEL's commutative operators do."""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

Fn = Callable[[Mapping[str, Any]], Any]
Typed = tuple[Fn, str]  # a closure and its CEL type: bool, int, string, list, map
VARIABLES = {"tags": "list", "message": "string", "locale": "string", "turn": "int",
             "channel": "map"}
_TOKEN = re.compile(r'\s*(?:(?P<str>"[^"\\\n]*"|\'[^\'\\\n]*\')|(?P<int>\d+)(?![\w.])'
                    r'|(?P<name>[A-Za-z_]\w*)|(?P<op>&&|\|\||==|!=|<=|>=|[<>!().,]))')
_RELATIONS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
              ">": operator.gt, ">=": operator.ge}
_METHODS: dict[str, Callable[[str, str], bool]] = {
    "contains": operator.contains, "startsWith": str.startswith, "endsWith": str.endswith}
INT64_MAX = 2**63 - 1


class Unsupported(ValueError):
    """Outside the subset: CEL evaluates it."""


def _tokens(source: str) -> list[str]:
    out, at = [], 0
    while at < len(source.rstrip()):
        match = _TOKEN.match(source, at)
        if match is None:
            raise Unsupported(source[at:])
        out.append(match.group().strip())
        at = match.end()
    return out


class _Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.at = 0

    def peek(self) -> str:
        return self.tokens[self.at] if self.at < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if not token or (expected is not None and token != expected):
            raise Unsupported(token)
        self.at += 1
        return token

    def logic(self, op: str, lower: Callable[[], Typed]) -> Typed:
        fn, kind = lower()
        while self.peek() == op:
            self.take()
            right, right_kind = lower()
            if kind != "bool" or right_kind != "bool":
                raise Unsupported(op)
            fn = _absorbing(fn, right, op == "||")
        return fn, kind

    def expression(self) -> Typed:
        return self.logic("||", lambda: self.logic("&&", self.relation))

    def relation(self) -> Typed:
        left, kind = self.unary()
        op = self.peek()
        if op not in _RELATIONS and op != "in":
            return left, kind
        self.take()
        right, right_kind = self.unary()
        if op == "in" and kind == "string" and right_kind in ("list", "map"):
            return (lambda c: left(c) in right(c)), "bool"
        ordered = kind in ("int", "string") or (op in ("==", "!=") and kind == "bool")
        if op == "in" or kind != right_kind or not ordered:
            raise Unsupported(op)
        compare = _RELATIONS[op]
        return (lambda c: compare(left(c), right(c))), "bool"

    def unary(self) -> Typed:
        if self.peek() == "!":
            self.take()
            inner, kind = self.unary()
            if kind != "bool":
                raise Unsupported("!")
            return (lambda c: not inner(c)), "bool"
        return self.member(*self.primary())

    def primary(self) -> Typed:
        token = self.take()
        if token == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if token[0] in "\"'":
            text = token[1:-1]
            return (lambda c: text), "string"
        if token.isdigit() and int(token) <= INT64_MAX:
            number = int(token)
            return (lambda c: number), "int"
        if token in ("true", "false"):
            flag = token == "true"
            return (lambda c: flag), "bool"
        if token == "size" and self.peek() == "(":
            self.take("(")
            arg, kind = self.expression()
            self.take(")")
            return _size(arg, kind)
        if token in VARIABLES:
            return (lambda c: c[token]), VARIABLES[token]
        raise Unsupported(token)

    def member(self, fn: Fn, kind: str) -> Typed:
        while self.peek() == ".":
            self.take()
            name = self.take()
            if kind == "map" and name in ("id", "type"):
                fn, kind = _field(fn, name), "string"
            elif kind == "list" and name == "size":
                self.take("(")
                self.take(")")
                fn, kind = _size(fn, kind)
            elif kind == "string" and name in _METHODS:
                self.take("(")
                arg, arg_kind = self.expression()
                self.take(")")
                if arg_kind != "string":
                    raise Unsupported(name)
                fn, kind = _method(fn, _METHODS[name], arg), "bool"
            else:
                raise Unsupported(name)
        return fn, kind


def _field(fn: Fn, name: str) -> Fn:
    return lambda c: fn(c)[name]


def _method(fn: Fn, method: Callable[[str, str], bool], arg: Fn) -> Fn:
    return lambda c: method(fn(c), arg(c))


def _size(fn: Fn, kind: str) -> Typed:
    if kind not in ("list", "map"):  # a string's size here is its UTF-8 bytes: CEL's
        raise Unsupported("size")
    return (lambda c: len(fn(c))), "int"


def _absorbing(left: Fn, right: Fn, is_or: bool) -> Fn:
    """CEL's ``&&``/``||``: the deciding value wins even if the other side is an error."""
    def evaluate(context: Mapping[str, Any]) -> Any:
        try:
            first = left(context)
        except LookupError:
            first = None
        if first is is_or:
            return is_or
        second = right(context)  # an error here is the answer's, unless ...
        if second is is_or:
            return is_or
        if first is None:  # ... the first side erred and the second did not decide
            raise LookupError("no such key or variable")
        return not is_or
    return evaluate


def compile_subset(source: str) -> Fn | None:
    """A Python predicate equal to CEL's evaluation of ``source`` (an evaluation error
    raises LookupError), or None when ``source`` is outside the subset."""
    try:
        parser = _Parser(source)
        fn, kind = parser.expression()
    except (Unsupported, RecursionError):
        return None
    return fn if kind == "bool" and parser.at == len(parser.tokens) else None
