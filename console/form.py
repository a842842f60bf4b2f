"""The per-field form of an entity, generated from its kind's proto message descriptor: a
field added to entities.proto appears in the console without a template or a line here.
Which string fields name other entities is asked of agentconfig.references (the one place
that knows), so a reference becomes a choice among the Draft's entities, not free text."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import FieldDescriptor

from agentconfig.kinds import Kind
from agentconfig.references import references
from agentctl.entities import short_enum

LONG_TEXT = frozenset({"instructions", "prompt", "template"})  # worth a tall textarea
_INTEGERS = frozenset({FieldDescriptor.CPPTYPE_INT32, FieldDescriptor.CPPTYPE_INT64,
                       FieldDescriptor.CPPTYPE_UINT32, FieldDescriptor.CPPTYPE_UINT64})
_FLOATS = frozenset({FieldDescriptor.CPPTYPE_FLOAT, FieldDescriptor.CPPTYPE_DOUBLE})
_WORDS = {"url": "URL", "mcp": "MCP", "ms": "(ms)"}
HINTS = {"multi": "Several: Ctrl (⌘) + click; with keys, Ctrl + arrows to move, Ctrl + Space "
                  "to choose.",
         "lines": "One per line.",
         "yaml": "YAML or JSON, for this field only; empty leaves it unset."}


@dataclass(frozen=True)
class FormField:
    """One input of the form. ``widget`` is one of text, textarea, number, checkbox, enum,
    ref (one entity), multi (several entities), lines (one string a line), yaml."""
    name: str
    label: str
    widget: str
    step: str = ""
    options: tuple[tuple[str, str], ...] = ()  # an enum's (value name, label)
    ref_kind: str = ""  # the kind a reference names, e.g. "mcp_server"

    @property
    def dom_id(self) -> str:
        return "f-" + self.name

    @property
    def hint(self) -> str:
        return HINTS.get(self.widget, "")


@functools.cache
def fields_for(kind: Kind) -> tuple[FormField, ...]:
    targets = ref_targets(kind)
    return tuple(_field(fd, targets.get(fd.name, "")) for fd in kind.message.DESCRIPTOR.fields)


@functools.cache
def ref_targets(kind: Kind) -> dict[str, str]:
    """Field name -> the kind it refers to, found by asking ``references`` about a probe
    value in each string field (so this never repeats the reference map)."""
    out: dict[str, str] = {}
    for fd in kind.message.DESCRIPTOR.fields:
        if fd.cpp_type != FieldDescriptor.CPPTYPE_STRING:
            continue
        probe: object = ["probe"] if fd.is_repeated else "probe"
        for ref in references(kind.name, {fd.name: probe}):
            if ref.field.split("[", 1)[0] == fd.name:
                out[fd.name] = ref.kind
    return out


def _label(name: str) -> str:
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _field(fd: Any, target: str) -> FormField:  # the stubs type upb's descriptors apart
    label, cpp = _label(fd.name), fd.cpp_type
    if cpp == FieldDescriptor.CPPTYPE_MESSAGE or (
            fd.is_repeated and cpp != FieldDescriptor.CPPTYPE_STRING):
        return FormField(fd.name, label, "yaml")
    if target:
        return FormField(fd.name, label, "multi" if fd.is_repeated else "ref", ref_kind=target)
    if fd.is_repeated:
        return FormField(fd.name, label, "lines")
    if cpp == FieldDescriptor.CPPTYPE_STRING:
        if fd.type == FieldDescriptor.TYPE_BYTES:
            return FormField(fd.name, label, "yaml")
        return FormField(fd.name, label, "textarea" if fd.name in LONG_TEXT else "text")
    if cpp == FieldDescriptor.CPPTYPE_BOOL:
        return FormField(fd.name, label, "checkbox")
    if cpp == FieldDescriptor.CPPTYPE_ENUM:
        enum = fd.enum_type
        options = tuple((v.name, short_enum(enum, v.name) if v.number else "(not set)")
                        for v in enum.values)
        return FormField(fd.name, label, "enum", options=options)
    if cpp in _FLOATS:
        return FormField(fd.name, label, "number", step="any")
    if cpp in _INTEGERS:
        return FormField(fd.name, label, "number", step="1")
    return FormField(fd.name, label, "yaml")


def choices(field: FormField, value: str | list[str], draft_ids: dict[str, list[str]],
            ) -> list[str]:
    """The ids a reference field offers: what it holds now first, in its order (so saving
    an unchanged form keeps the order, and a dangling id stays visible), then the rest of
    the Draft's entities of that kind."""
    held = [value] if isinstance(value, str) else list(value)
    held = [v for v in held if v]
    return held + sorted(set(draft_ids.get(field.ref_kind, [])) - set(held))
