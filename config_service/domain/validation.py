"""What makes an entity, and a whole Draft, publishable.

``check_entity`` looks at one entity alone (limits, formats, JSON Schema, conditions): an edit
that fails it is refused. ``validate_draft`` adds what spans entities (references that must
resolve, squad consistency, channels bound to what the Draft deletes): a Draft that fails it
cannot be published. Both return every problem, each with its field path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlparse

import jsonschema

from agentconfig.conditions import check_condition
from agentconfig.errors import FieldViolation
from agentconfig.references import references
from config_service.domain import limits as L
from config_service.domain.model import Channel, Key, Spec
from config_service.domain.secrets import find_secrets

Check = Callable[[Spec, str], list[FieldViolation]]


def _v(path: str, description: str, reason: str = "INVALID") -> FieldViolation:
    return FieldViolation(path, description, reason)


def _text(spec: Spec, name: str, path: str, limit: int, *, required: bool = False,
          ) -> list[FieldViolation]:
    value = spec.get(name, "")
    if required and not str(value).strip():
        return [_v(f"{path}{name}", "is required", "REQUIRED")]
    if len(value) > limit:
        return [_v(f"{path}{name}", f"is {len(value)} characters; the limit is {limit}",
                   "TOO_LONG")]
    return []


def _id_list(spec: Spec, name: str, path: str) -> list[FieldViolation]:
    values = spec.get(name, [])
    out = []
    if len(values) > L.MAX_LIST:
        out.append(_v(f"{path}{name}", f"has {len(values)} items; the limit is {L.MAX_LIST}",
                      "TOO_MANY"))
    if len(set(values)) != len(values):
        out.append(_v(f"{path}{name}", "lists an id more than once", "DUPLICATE"))
    for i, value in enumerate(values):
        if not L.ENTITY_ID.match(value):
            out.append(_v(f"{path}{name}[{i}]", f"{value!r} is not a valid id", "BAD_ID"))
    return out


def _condition(value: str, path: str) -> list[FieldViolation]:
    problem = check_condition(value)
    return [_v(path, problem, "BAD_CONDITION")] if problem else []


def _url(value: str, path: str, required: bool) -> list[FieldViolation]:
    if not value:
        return [_v(path, "is required", "REQUIRED")] if required else []
    parsed = urlparse(value)
    if len(value) > L.MAX_URL:
        return [_v(path, f"is longer than {L.MAX_URL} characters", "TOO_LONG")]
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        return [_v(path, "must be an absolute http(s) URL", "BAD_URL")]
    return []


def _in_range(spec: Spec, name: str, path: str, low: float, high: float, text: str,
              ) -> list[FieldViolation]:
    """The proto3 JSON mapping turns NaN and infinities into strings: out of range too."""
    value = spec.get(name, 0.0)
    if isinstance(value, str) or not low <= value <= high:
        return [_v(f"{path}{name}", text, "OUT_OF_RANGE")]
    return []


def _known_enum(spec: Spec, name: str, path: str) -> list[FieldViolation]:
    """The JSON mapping names known enum values; an unknown number stays a number."""
    value = spec.get(name)
    if isinstance(value, int):
        return [_v(f"{path}{name}", f"{value} is not a known value", "BAD_ENUM")]
    return []


def _language(spec: Spec, path: str) -> list[FieldViolation]:
    value = spec.get("language", "")
    if value and not L.LANGUAGE.match(value):
        return [_v(f"{path}language", f"{value!r} is not a BCP 47 language tag", "BAD_LANGUAGE")]
    return []


def _check_agent(spec: Spec, p: str) -> list[FieldViolation]:
    out = _text(spec, "name", p, L.MAX_NAME, required=True)
    out += _text(spec, "instructions", p, L.MAX_INSTRUCTIONS, required=True)
    out += _text(spec, "model", p, L.MAX_MODEL, required=True)
    out += _text(spec, "greeting", p, L.MAX_GREETING)
    out += _language(spec, p)
    out += _in_range(spec, "temperature", p, 0.0, 2.0, "must be between 0.0 and 2.0")
    for name in ("tool_ids", "mcp_server_ids", "component_ids", "conditional_prompt_ids"):
        out += _id_list(spec, name, p)
    voice = spec.get("voice_id", "")
    if voice and not L.ENTITY_ID.match(voice):
        out.append(_v(f"{p}voice_id", f"{voice!r} is not a valid id", "BAD_ID"))
    return out


def _check_squad(spec: Spec, p: str) -> list[FieldViolation]:
    out = _text(spec, "name", p, L.MAX_NAME, required=True)
    out += _text(spec, "description", p, L.MAX_DESCRIPTION)
    members = spec.get("member_agent_ids", [])
    if not members:
        out.append(_v(f"{p}member_agent_ids", "needs at least one agent", "REQUIRED"))
    out += _id_list(spec, "member_agent_ids", p)
    entry = spec.get("entry_agent_id", "")
    if not entry:
        out.append(_v(f"{p}entry_agent_id", "is required", "REQUIRED"))
    elif entry not in members:
        out.append(_v(f"{p}entry_agent_id", f"{entry!r} is not a member of the squad",
                      "NOT_A_MEMBER"))
    rules = spec.get("handoff_rules", [])
    if len(rules) > L.MAX_LIST:
        out.append(_v(f"{p}handoff_rules", f"has more than {L.MAX_LIST} rules", "TOO_MANY"))
    for i, rule in enumerate(rules):
        rp = f"{p}handoff_rules[{i}]."
        for name in ("from_agent_id", "to_agent_id"):
            agent = rule.get(name, "")
            if agent and agent not in members:
                out.append(_v(rp + name, f"{agent!r} is not a member of the squad",
                              "NOT_A_MEMBER"))
        if not rule.get("to_agent_id"):
            out.append(_v(rp + "to_agent_id", "is required", "REQUIRED"))
        out += _condition(rule.get("condition", ""), rp + "condition")
        out += _text(rule, "description", rp, L.MAX_DESCRIPTION)
    return out


def _check_tool(spec: Spec, p: str) -> list[FieldViolation]:
    out = _text(spec, "description", p, L.MAX_DESCRIPTION, required=True)
    name = spec.get("name", "")
    if not L.TOOL_NAME.match(name):
        out.append(_v(f"{p}name", "is required: 1-64 letters, digits, '_' or '-'", "BAD_NAME"))
    out += _url(spec.get("endpoint_url", ""), f"{p}endpoint_url", required=True)
    timeout = spec.get("timeout_ms", 0)
    if not 0 <= timeout <= L.MAX_TIMEOUT_MS:
        out.append(_v(f"{p}timeout_ms", f"must be between 0 and {L.MAX_TIMEOUT_MS}",
                      "OUT_OF_RANGE"))
    out += _known_enum(spec, "method", p)
    out += _json_schema(spec.get("input_schema"), f"{p}input_schema")
    return out


def _json_schema(schema: Any, path: str) -> list[FieldViolation]:
    if schema is None:
        return [_v(path, "is required (a JSON Schema object)", "REQUIRED")]
    if len(json.dumps(schema)) > L.MAX_SCHEMA_BYTES:
        return [_v(path, f"is larger than {L.MAX_SCHEMA_BYTES} bytes", "TOO_LARGE")]
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        return [_v(f"{path}{where}", f"not a valid JSON Schema: {exc.message}", "BAD_SCHEMA")]
    if schema.get("type") != "object":
        return [_v(f"{path}.type", "a tool's input schema must be of type \"object\"",
                   "BAD_SCHEMA")]
    return []


def _check_mcp_server(spec: Spec, p: str) -> list[FieldViolation]:
    out = _text(spec, "name", p, L.MAX_NAME, required=True)
    transport = spec.get("transport", "MCP_TRANSPORT_UNSPECIFIED")
    if isinstance(transport, int):
        out += _known_enum(spec, "transport", p)
    elif transport == "MCP_TRANSPORT_UNSPECIFIED":
        out.append(_v(f"{p}transport", "is required (stdio, sse or streamable-http)",
                      "REQUIRED"))
    elif transport == "MCP_TRANSPORT_STDIO":
        out += _text(spec, "command", p, L.MAX_COMMAND, required=True)
    else:
        out += _url(spec.get("url", ""), f"{p}url", required=True)
    if len(spec.get("allowed_tools", [])) > L.MAX_LIST:
        out.append(_v(f"{p}allowed_tools", f"has more than {L.MAX_LIST} items", "TOO_MANY"))
    return out


def _check_voice(spec: Spec, p: str) -> list[FieldViolation]:
    out = _text(spec, "provider_id", p, L.MAX_NAME, required=True)
    out += _text(spec, "voice_name", p, L.MAX_NAME, required=True)
    out += _language(spec, p)
    if spec.get("speed"):
        out += _in_range(spec, "speed", p, 0.25, 4.0, "must be between 0.25 and 4.0 (or unset)")
    return out


def _check_component(spec: Spec, p: str) -> list[FieldViolation]:
    out = _text(spec, "name", p, L.MAX_NAME, required=True)
    out += _text(spec, "template", p, L.MAX_TEMPLATE, required=True)
    if spec.get("type", "COMPONENT_TYPE_UNSPECIFIED") == "COMPONENT_TYPE_UNSPECIFIED":
        out.append(_v(f"{p}type", "is required", "REQUIRED"))
    out += _known_enum(spec, "type", p)
    return out


def _check_conditional_prompt(spec: Spec, p: str) -> list[FieldViolation]:
    out = _text(spec, "name", p, L.MAX_NAME, required=True)
    out += _text(spec, "prompt", p, L.MAX_PROMPT, required=True)
    out += _condition(spec.get("condition", ""), f"{p}condition")
    return out


CHECKS: dict[str, Check] = {
    "agent": _check_agent,
    "squad": _check_squad,
    "tool": _check_tool,
    "mcp_server": _check_mcp_server,
    "voice": _check_voice,
    "component": _check_component,
    "conditional_prompt": _check_conditional_prompt,
}


def check_entity(kind: str, entity_id: str, spec: Spec, *, spec_path: str, id_path: str,
                 ) -> list[FieldViolation]:
    """Problems of one entity alone; ``spec_path`` prefixes every spec field (e.g.
    "entity.agent.") so the path names the request field."""
    out = []
    if not L.ENTITY_ID.match(entity_id):
        out.append(_v(id_path, "must be 1-63 lowercase letters, digits, '_' or '-', "
                      "starting with a letter or digit", "BAD_ID"))
    out += CHECKS[kind](spec, spec_path)
    for field, label in find_secrets(spec, spec_path):
        out.append(_v(field, f"looks like {label}: versions are kept forever and rollback "
                      "restores them, so secrets belong in a connection, referred to by "
                      "connection_id", "SECRET_IN_CONFIG"))
    return out


def validate_draft(specs: Mapping[Key, Spec], channels: Iterable[Channel] = (),
                   ) -> list[FieldViolation]:
    """Every problem of the whole Draft; field paths read ``kind/id.field``."""
    out: list[FieldViolation] = []
    for (kind, entity_id), spec in sorted(specs.items()):
        prefix = f"{kind}/{entity_id}."
        for v in check_entity(kind, entity_id, spec, spec_path=prefix, id_path=prefix + "id"):
            out.append(FieldViolation(v.field, v.description, v.reason, kind, entity_id))
        for ref in references(kind, spec):
            if (ref.kind, ref.entity_id) not in specs:
                out.append(FieldViolation(
                    prefix + ref.field,
                    f"refers to {ref.kind} {ref.entity_id!r}, which is not in the Draft",
                    "DANGLING_REFERENCE", kind, entity_id))
    for channel in channels:
        if (channel.target_kind, channel.target_id) not in specs:
            out.append(FieldViolation(
                f"channel/{channel.channel_id}.target_id",
                f"channel {channel.channel_id!r} is bound to {channel.target_kind} "
                f"{channel.target_id!r}, which the Draft does not have",
                "CHANNEL_TARGET_MISSING", "channel", channel.channel_id))
    return out
