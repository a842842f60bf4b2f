"""The YAML entity format: ``{kind, id, spec}`` where ``spec`` is the proto3 JSON mapping of
the kind's message with proto field names, enum values in a short lowercase form
(``stdio``, ``streamable-http``, ``quick-replies``, ``get``); the full proto names
(``MCP_TRANSPORT_STDIO``) are accepted too."""

from __future__ import annotations

import re
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import EnumDescriptor, FieldDescriptor

from agentconfig.kinds import KINDS, Kind, entity_to_parts
from agentconfig.v1 import entities_pb2 as pb
from agentctl.values import plain

_ALIASES: dict[str, Kind] = {}
for _kind in KINDS:
    for _word in {_kind.name, _kind.name.replace("_", "-")}:
        _ALIASES[_word] = _kind
        _ALIASES[_word + "s"] = _kind

KIND_WORDS = ", ".join(k.name.replace("_", "-") for k in KINDS)
DOCUMENT_KEYS = ("kind", "id", "spec")
IGNORED_KEYS = ("metadata",)  # what `get -o yaml` adds; apply reads past it


def kind_from_word(word: str) -> Kind | None:
    """agent, agents, mcp-server, mcp_servers, conditional-prompt ... (any case)."""
    return _ALIASES.get(word.strip().lower())


def kind_enum(kind: Kind) -> pb.EntityKind.ValueType:
    return pb.EntityKind.ValueType(kind.enum)


def cli_name(kind: Kind) -> str:
    return kind.name.replace("_", "-")


def enum_prefix(enum: EnumDescriptor) -> str:
    """McpTransport -> MCP_TRANSPORT_ (the buf ENUM_VALUE_PREFIX convention)."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"


def short_enum(enum: EnumDescriptor, name: str) -> str:
    prefix = enum_prefix(enum)
    bare = name[len(prefix):] if name.startswith(prefix) else name
    return bare.lower().replace("_", "-")


def long_enum(enum: EnumDescriptor, value: Any) -> Any:
    """A short or full name -> the full proto name; anything else is left for the parser."""
    if not isinstance(value, str):
        return value
    if value in enum.values_by_name:
        return value
    full = enum_prefix(enum) + value.strip().upper().replace("-", "_")
    return full if full in enum.values_by_name else value


def _convert(spec: Any, descriptor: Any, *, to_short: bool) -> Any:
    """Enum values (also in nested messages and lists) to or from their short form."""
    if not isinstance(spec, dict):
        return spec
    out = dict(spec)
    for name, value in spec.items():
        fd: Any = descriptor.fields_by_name.get(name)
        if fd is None:
            continue
        if fd.type == FieldDescriptor.TYPE_ENUM:
            def one(v: Any, enum: EnumDescriptor = fd.enum_type) -> Any:
                if to_short:
                    return short_enum(enum, v) if isinstance(v, str) else v
                return long_enum(enum, v)
            out[name] = [one(v) for v in value] if isinstance(value, list) else one(value)
        elif (fd.type == FieldDescriptor.TYPE_MESSAGE
              and not fd.message_type.full_name.startswith("google.protobuf.")):
            inner = fd.message_type
            out[name] = ([_convert(v, inner, to_short=to_short) for v in value]
                         if isinstance(value, list) else _convert(value, inner, to_short=to_short))
    return out


def document(kind: Kind, entity_id: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The YAML document of one entity, enum values in their short form, whole numbers
    without ".0" (as the user wrote them)."""
    short = plain(_convert(spec, kind.message.DESCRIPTOR, to_short=True))
    return {"kind": cli_name(kind), "id": entity_id, "spec": short}


def entity_document(entity: pb.Entity) -> dict[str, Any] | None:
    parts = entity_to_parts(entity)
    return document(*parts) if parts else None


def entity_from_spec(kind: Kind, entity_id: str, spec: dict[str, Any]) -> pb.Entity:
    """Raises json_format.ParseError on unknown fields or wrong types."""
    full = _convert(spec, kind.message.DESCRIPTOR, to_short=False)
    entity = pb.Entity(id=entity_id)
    getattr(entity, kind.name).CopyFrom(kind.message_from_spec(full))
    return entity


ParseError = json_format.ParseError
