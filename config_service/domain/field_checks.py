"""Checks of single fields (text limits, ids, URLs, ranges, enums, languages, conditions),
each returning field violations with the path it was given; the per-kind rules in
kind_checks.py are made of them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from agentconfig.conditions import check_condition
from agentconfig.errors import FieldViolation
from config_service.domain import limits as L
from config_service.domain.model import Spec

Check = Callable[[Spec, str], list[FieldViolation]]


def violation(path: str, description: str, reason: str = "INVALID") -> FieldViolation:
    return FieldViolation(path, description, reason)


def text_field(spec: Spec, name: str, path: str, limit: int, *, required: bool = False,
          ) -> list[FieldViolation]:
    value = spec.get(name, "")
    if required and not str(value).strip():
        return [violation(f"{path}{name}", "is required", "REQUIRED")]
    if len(value) > limit:
        return [violation(f"{path}{name}", f"is {len(value)} characters; the limit is {limit}",
                          "TOO_LONG")]
    return []


def id_list(spec: Spec, name: str, path: str) -> list[FieldViolation]:
    values = spec.get(name, [])
    out = []
    if len(values) > L.MAX_LIST:
        out.append(violation(f"{path}{name}", f"has {len(values)} items; the limit is {L.MAX_LIST}",
                             "TOO_MANY"))
    if len(set(values)) != len(values):
        out.append(violation(f"{path}{name}", "lists an id more than once", "DUPLICATE"))
    for i, value in enumerate(values):
        if not L.ENTITY_ID.match(value):
            out.append(violation(f"{path}{name}[{i}]", f"{value!r} is not a valid id", "BAD_ID"))
    return out


def condition_field(value: str, path: str) -> list[FieldViolation]:
    problem = check_condition(value)
    return [violation(path, problem, "BAD_CONDITION")] if problem else []


def url_field(value: str, path: str, required: bool) -> list[FieldViolation]:
    if not value:
        return [violation(path, "is required", "REQUIRED")] if required else []
    parsed = urlparse(value)
    if len(value) > L.MAX_URL:
        return [violation(path, f"is longer than {L.MAX_URL} characters", "TOO_LONG")]
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return [violation(path, "must be an absolute http(s) URL", "BAD_URL")]
    return []


def in_range(spec: Spec, name: str, path: str, low: float, high: float, text: str,
              ) -> list[FieldViolation]:
    """The proto3 JSON mapping turns NaN and infinities into strings: out of range too."""
    value = spec.get(name, 0.0)
    if isinstance(value, str) or not low <= value <= high:
        return [violation(f"{path}{name}", text, "OUT_OF_RANGE")]
    return []


def known_enum(spec: Spec, name: str, path: str) -> list[FieldViolation]:
    """The JSON mapping names known enum values; an unknown number stays a number."""
    value = spec.get(name)
    if isinstance(value, int):
        return [violation(f"{path}{name}", f"{value} is not a known value", "BAD_ENUM")]
    return []


def language_field(spec: Spec, path: str) -> list[FieldViolation]:
    value = spec.get("language", "")
    if value and not L.LANGUAGE.match(value):
        return [violation(f"{path}language",
                          f"{value!r} is not a BCP 47 language tag", "BAD_LANGUAGE")]
    return []


