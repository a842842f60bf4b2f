"""Field checks of test cases (text limits, ids, tool references, regular expressions),
each returning violations with the path it was given; testcase_checks.py is made of them."""

from __future__ import annotations

import re
from typing import Any

from agentconfig.errors import FieldViolation
from config_service.domain import limits as L
from config_service.domain.field_checks import violation

# a tool id, or "<mcp_server_id>/<tool name>"
TOOL_REF = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}(/[A-Za-z0-9_.-]{1,64})?\Z")


def text(value: Any, path: str, limit: int, *, required: bool = False,
         ) -> list[FieldViolation]:
    given = value if isinstance(value, str) else ""
    if required and not given.strip():
        return [violation(path, "is required", "REQUIRED")]
    if len(given) > limit:
        return [violation(path, f"is {len(given)} characters; the limit is {limit}",
                          "TOO_LONG")]
    return []


def ident(value: str, path: str, what: str = "id") -> list[FieldViolation]:
    if not value:
        return [violation(path, "is required", "REQUIRED")]
    if not L.ENTITY_ID.match(value):
        return [violation(path, f"{value!r} is not a valid {what} (1-63 lowercase letters, "
                                "digits, '_' or '-')", "BAD_ID")]
    return []


def count(items: list[Any], path: str, limit: int) -> list[FieldViolation]:
    if len(items) > limit:
        return [violation(path, f"has {len(items)} items; the limit is {limit}", "TOO_MANY")]
    return []


def tool_ref(value: Any, path: str) -> list[FieldViolation]:
    if not value:
        return [violation(path, "is required: a tool id or '<mcp_server_id>/<tool name>'",
                          "REQUIRED")]
    if not isinstance(value, str) or not TOOL_REF.match(value):
        return [violation(path, f"{value!r} is not a tool id or '<mcp_server_id>/<tool name>'",
                          "BAD_TOOL")]
    return []


def texts(values: list[Any], path: str) -> list[FieldViolation]:
    out = count(values, path, L.MAX_LIST)
    for i, value in enumerate(values):
        out += text(value, f"{path}[{i}]", L.MAX_EXPECTATION_TEXT, required=True)
    return out


def regex(value: str, path: str) -> list[FieldViolation]:
    out = text(value, path, L.MAX_EXPECTATION_TEXT)
    if value and not out:
        try:
            re.compile(value)
        except re.error as exc:
            out.append(violation(path, f"does not compile: {exc}", "BAD_REGEX"))
    return out
