"""An entity's message as the form's values (one string, or a list of strings for a
multi-select, per field) and back. The values are what the browser sends, so a refused save
can show exactly what was typed; building the message checks one field at a time, so a
problem is reported on the field that has it, as the server's are."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import yaml
from google.protobuf.message import Message
from starlette.datastructures import FormData

from agentconfig.kinds import Kind
from agentconfig.v1 import entities_pb2 as pb
from agentctl.entities import document, entity_from_spec
from console.errors import Invalid, Problem
from console.form import FormField, fields_for

Value = str | list[str]
Values = dict[str, Value]


def values_of(kind: Kind, message: Message) -> Values:
    spec = document(kind, "", kind.spec_from_message(message))["spec"]
    return {f.name: _shown(f, message, spec.get(f.name)) for f in fields_for(kind)}


def _shown(field: FormField, message: Message, spec_value: Any) -> Value:
    raw = getattr(message, field.name)
    if field.widget == "yaml":
        return "" if spec_value is None else yaml.safe_dump(
            spec_value, sort_keys=False, allow_unicode=True, width=100)
    if field.widget == "multi":
        return list(raw)
    if field.widget == "lines":
        return "\n".join(raw)
    if field.widget == "checkbox":
        return "on" if raw else ""
    if field.widget == "enum":  # an open proto3 enum may hold a number it does not name
        enum: Any = message.DESCRIPTOR.fields_by_name[field.name].enum_type
        found = enum.values_by_number
        return found[raw].name if raw in found else str(raw)
    if isinstance(raw, float):  # shortest exact text; "1", not "1.0"; "-0.0" stays
        text = repr(raw)
        return text[:-2] if text.endswith(".0") and text != "-0.0" else text
    return str(raw)


def read_form(kind: Kind, data: FormData) -> Values:
    """What the browser sent for each field (a multi-select as every chosen id)."""
    out: Values = {}
    for f in fields_for(kind):
        if f.widget == "multi":
            out[f.name] = [v for v in data.getlist(f.name) if isinstance(v, str) and v]
        else:
            value = data.get(f.name, "")
            out[f.name] = value.replace("\r\n", "\n") if isinstance(value, str) else ""
    return out


def build(kind: Kind, entity_id: str, values: Values) -> pb.Entity:
    """The Entity the form describes; Invalid with one problem per wrong field."""
    spec: dict[str, Any] = {}
    problems: list[Problem] = []
    for f in fields_for(kind):
        try:
            value = _parsed(f, values.get(f.name, ""))
            if value is not None:
                entity_from_spec(kind, entity_id, {f.name: value})  # this field alone
                spec[f.name] = value
        except Exception as exc:  # a ParseError, a YAMLError, a ValueError: said per field
            problems.append(Problem(f.name, _reason(exc)))
    if problems:
        raise Invalid("some fields are not valid: nothing was saved", problems, 422)
    return entity_from_spec(kind, entity_id, spec)


def _parsed(field: FormField, value: Value) -> Any:
    if isinstance(value, list):
        return value
    if field.widget == "yaml":
        return yaml.safe_load(value) if value.strip() else None
    if field.widget == "lines":
        return [line.strip() for line in value.splitlines() if line.strip()]
    if field.widget == "checkbox":
        return bool(value)
    if field.widget == "number":
        if not value.strip():
            return None
        try:
            return int(value) if field.step == "1" else float(value)
        except ValueError:
            kind = "a whole number" if field.step == "1" else "a number"
            raise ValueError(f"{value!r} is not {kind}") from None
    if field.widget == "enum" and value.lstrip("-").isdigit():
        return int(value)
    return value


def _reason(exc: Exception) -> str:
    if isinstance(exc, yaml.YAMLError):
        return "does not parse as YAML or JSON: " + " ".join(str(exc).split())
    text = " ".join(str(exc).split())
    return re.sub(r"^Failed to parse \w+ field: ", "", text) or type(exc).__name__


def placed(problems: Iterable[Problem], names: Iterable[str],
           ) -> tuple[dict[str, list[Problem]], list[Problem]]:
    """Each problem under the form field its path names (``entity.agent.temperature``,
    ``agent/x.tool_ids[1]``, ``entity.id``); the rest, for the top of the form."""
    known = set(names) | {"id"}
    by_field: dict[str, list[Problem]] = {}
    rest: list[Problem] = []
    for problem in problems:
        parts = [p.split("[", 1)[0] for p in re.split(r"[./]", problem.field)]
        name = next((p for p in parts if p in known), None)
        if name is None:
            rest.append(problem)
        else:
            by_field.setdefault(name, []).append(problem)
    return by_field, rest
