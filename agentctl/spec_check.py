"""A YAML ``spec`` checked against its proto message before it is parsed, so a mistake names
the field, what was given and what is expected (and, with the file's marks, where): an
unknown field with the closest known name, a value of the wrong type, an unknown enum value.
Both proto field names and their JSON names are accepted, as the proto3 JSON mapping does.
A file format may write some top-level fields its own way (a test case's ``target:
squad/front-desk``): those ``known`` names are left to it, and offered as suggestions."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from agentctl.entities import long_enum, short_enum

Path = tuple[str | int, ...]
_FD = FieldDescriptor
_NUMBERS = {_FD.TYPE_DOUBLE, _FD.TYPE_FLOAT}
_INTEGERS = {_FD.TYPE_INT32, _FD.TYPE_INT64, _FD.TYPE_UINT32, _FD.TYPE_UINT64,
             _FD.TYPE_SINT32, _FD.TYPE_SINT64, _FD.TYPE_FIXED32, _FD.TYPE_FIXED64,
             _FD.TYPE_SFIXED32, _FD.TYPE_SFIXED64}
_WELL_KNOWN = {"google.protobuf.Struct": (dict, "a mapping"),
               "google.protobuf.ListValue": (list, "a list"),
               "google.protobuf.Timestamp": (str, "a time (RFC 3339 text)"),
               "google.protobuf.Duration": (str, "a duration such as '1.5s'")}


@dataclass(frozen=True)
class Problem:
    path: Path  # inside the spec
    message: str
    at_key: bool = False  # point at the field's name rather than its value

    @property
    def field(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else part
        return out


def problems(spec: dict[str, Any], descriptor: Any, path: Path = (),
             known: Collection[str] = ()) -> list[Problem]:
    return list(_message(spec, descriptor, path, tuple(known)))


def _message(data: dict[str, Any], descriptor: Descriptor, path: Path,
             known: tuple[str, ...] = ()) -> Iterator[Problem]:
    by_name = {**{f.json_name: f for f in descriptor.fields}, **descriptor.fields_by_name}
    for key, value in data.items():
        if str(key) in known:
            continue
        field = by_name.get(str(key))
        if field is None:
            yield Problem((*path, str(key)), _unknown(str(key), descriptor, known),
                          at_key=True)
        elif value is not None:
            yield from _field(field, value, (*path, str(key)))


def _unknown(key: str, descriptor: Descriptor, known: tuple[str, ...] = ()) -> str:
    names = [*known, *(f.name for f in descriptor.fields if f.name not in known)]
    close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(names)}"
    return f"unknown field '{key}' ({hint})"


def _field(field: FieldDescriptor, value: Any, path: Path) -> Iterator[Problem]:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        if not isinstance(value, dict):
            yield _wrong(path, value, "a mapping")
            return
        inner = field.message_type.fields_by_name["value"]
        for k, v in value.items():
            yield from _single(inner, v, (*path, str(k)))
    elif field.is_repeated:
        if not isinstance(value, list):
            yield _wrong(path, value, "a list")
            return
        for i, item in enumerate(value):
            yield from _single(field, item, (*path, i))
    else:
        yield from _single(field, value, path)


def _single(field: FieldDescriptor, value: Any, path: Path) -> Iterator[Problem]:
    if (message := field.message_type) is not None:
        yield from _in_message(message, value, path)
    elif (enum := field.enum_type) is not None:
        if not isinstance(value, int) and long_enum(enum, value) not in enum.values_by_name:
            known = [short_enum(enum, v.name) for v in enum.values
                     if not v.name.endswith("_UNSPECIFIED")]
            yield _wrong(path, value, f"one of {', '.join(known)}")
    elif (expected := _scalar_problem(field.type, value)) is not None:
        yield _wrong(path, value, expected)


def _in_message(descriptor: Descriptor, value: Any, path: Path) -> Iterator[Problem]:
    if descriptor.full_name == "google.protobuf.Value":
        return
    if descriptor.full_name in _WELL_KNOWN:
        kind, words = _WELL_KNOWN[descriptor.full_name]
        if not isinstance(value, kind):
            yield _wrong(path, value, words)
    elif descriptor.full_name.startswith("google.protobuf."):
        return
    elif not isinstance(value, dict):
        yield _wrong(path, value, f"a mapping (a {descriptor.name})")
    else:
        yield from _message(value, descriptor, path)


def _scalar_problem(kind: int, value: Any) -> str | None:
    """What is expected, when ``value`` does not fit a scalar field of ``kind``."""
    if kind in _NUMBERS and not _is_number(value, float):
        return "a number"
    if kind in _INTEGERS and not _is_number(value, int):
        return "a whole number"
    if kind == _FD.TYPE_BOOL and not isinstance(value, bool):
        return "true or false"
    if kind in (_FD.TYPE_STRING, _FD.TYPE_BYTES) and not isinstance(value, str):
        return "text (quote it)"
    return None


def _is_number(value: Any, kind: type) -> bool:
    if isinstance(value, bool):
        return False
    if kind is int and isinstance(value, float):
        return value.is_integer()
    if isinstance(value, int | float):
        return True
    try:
        kind(value) if isinstance(value, str) else None  # the JSON mapping takes "1.5"
    except ValueError:
        return False
    return isinstance(value, str)


def _wrong(path: Path, value: Any, expected: str) -> Problem:
    given = {bool: "true or false", str: "text", dict: "a mapping", list: "a list"}
    what = next((w for t, w in given.items() if isinstance(value, t)), "a number")
    shown = repr(value) if isinstance(value, str | int | float) else what
    return Problem(path, f"expected {expected}, got {shown}"
                   + ("" if shown == what else f" ({what})"))
