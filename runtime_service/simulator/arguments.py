"""Tool arguments against the tool's input schema (JSON Schema draft 2020-12). Pure: a
violation is data for the trace and for the model, never an exception."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

MAX_VIOLATIONS = 20


def violations(schema: dict[str, Any], arguments: Any) -> list[str]:
    """Each problem as "<JSON path>: <message>", in path order; empty when the arguments
    fit. Arguments that are not an object are one problem, whatever the schema says."""
    if not isinstance(arguments, dict):
        return [f"$: arguments must be a JSON object, not {_json_type(arguments)}"]
    if not schema:
        return []
    try:
        errors = sorted(Draft202012Validator(schema).iter_errors(arguments),
                        key=lambda e: (e.json_path, e.message))
        found = [f"{e.json_path}: {e.message}" for e in errors[:MAX_VIOLATIONS]]
    except Exception as exc:  # a broken schema (or $ref) must not break the turn
        return [f"$: the tool's input schema cannot be checked ({type(exc).__name__})"]
    if len(errors) > MAX_VIOLATIONS:
        found.append(f"... and {len(errors) - MAX_VIOLATIONS} more")
    return found


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__
