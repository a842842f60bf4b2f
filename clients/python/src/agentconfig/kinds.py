"""The registry of versioned kinds: the one table that ties a kind's short name, its proto
enum value, its ``Entity.spec`` oneof field and its message class together."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from agentconfig.v1 import entities_pb2 as pb


@dataclass(frozen=True)
class Kind:
    name: str
    enum: int
    message: type[Message]
    title: str

    def spec_from_message(self, message: Message) -> dict[str, Any]:
        return json_format.MessageToDict(message, preserving_proto_field_name=True)

    def message_from_spec(self, spec: dict[str, Any]) -> Message:
        """Raises json_format.ParseError on unknown fields or wrong types."""
        return json_format.ParseDict(spec, self.message())


KINDS: tuple[Kind, ...] = (
    Kind("agent", pb.ENTITY_KIND_AGENT, pb.Agent, "Agent"),
    Kind("squad", pb.ENTITY_KIND_SQUAD, pb.Squad, "Squad"),
    Kind("tool", pb.ENTITY_KIND_TOOL, pb.Tool, "Tool"),
    Kind("mcp_server", pb.ENTITY_KIND_MCP_SERVER, pb.McpServer, "MCP server"),
    Kind("voice", pb.ENTITY_KIND_VOICE, pb.Voice, "Voice"),
    Kind("component", pb.ENTITY_KIND_COMPONENT, pb.Component, "Component"),
    Kind("conditional_prompt", pb.ENTITY_KIND_CONDITIONAL_PROMPT, pb.ConditionalPrompt,
         "Conditional prompt"),
)
_BY_NAME = {k.name: k for k in KINDS}
_BY_ENUM = {k.enum: k for k in KINDS}
KIND_ORDER = {k.name: i for i, k in enumerate(KINDS)}


def kind_by_name(name: str) -> Kind | None:
    return _BY_NAME.get(name)


def kind_by_enum(value: int) -> Kind | None:
    return _BY_ENUM.get(value)


def entity_to_parts(entity: pb.Entity) -> tuple[Kind, str, dict[str, Any]] | None:
    """Split a proto Entity into (kind, id, spec); None when no spec is set."""
    field = entity.WhichOneof("spec")
    if field is None:
        return None
    kind = _BY_NAME[field]
    return kind, entity.id, kind.spec_from_message(getattr(entity, field))


def entity_from_parts(kind: str, entity_id: str, spec: dict[str, Any]) -> pb.Entity:
    entity = pb.Entity(id=entity_id)
    getattr(entity, kind).CopyFrom(_BY_NAME[kind].message_from_spec(spec))
    return entity
