"""The rules of each versioned kind, one function per kind, keyed by kind name in CHECKS."""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema

from agentconfig.errors import FieldViolation
from config_service.domain import limits as L
from config_service.domain.field_checks import (
    Check,
    condition_field,
    id_list,
    in_range,
    known_enum,
    language_field,
    text_field,
    url_field,
    violation,
)
from config_service.domain.model import Spec


def _check_agent(spec: Spec, p: str) -> list[FieldViolation]:
    out = text_field(spec, "name", p, L.MAX_NAME, required=True)
    out += text_field(spec, "instructions", p, L.MAX_INSTRUCTIONS, required=True)
    out += text_field(spec, "model", p, L.MAX_MODEL, required=True)
    out += text_field(spec, "greeting", p, L.MAX_GREETING)
    out += language_field(spec, p)
    out += in_range(spec, "temperature", p, 0.0, 2.0, "must be between 0.0 and 2.0")
    for name in ("tool_ids", "mcp_server_ids", "component_ids", "conditional_prompt_ids"):
        out += id_list(spec, name, p)
    voice = spec.get("voice_id", "")
    if voice and not L.ENTITY_ID.match(voice):
        out.append(violation(f"{p}voice_id", f"{voice!r} is not a valid id", "BAD_ID"))
    return out


def _check_squad(spec: Spec, p: str) -> list[FieldViolation]:
    out = text_field(spec, "name", p, L.MAX_NAME, required=True)
    out += text_field(spec, "description", p, L.MAX_DESCRIPTION)
    members = spec.get("member_agent_ids", [])
    if not members:
        out.append(violation(f"{p}member_agent_ids", "needs at least one agent", "REQUIRED"))
    out += id_list(spec, "member_agent_ids", p)
    entry = spec.get("entry_agent_id", "")
    if not entry:
        out.append(violation(f"{p}entry_agent_id", "is required", "REQUIRED"))
    elif entry not in members:
        out.append(violation(f"{p}entry_agent_id", f"{entry!r} is not a member of the squad",
                             "NOT_A_MEMBER"))
    rules = spec.get("handoff_rules", [])
    if len(rules) > L.MAX_LIST:
        out.append(violation(f"{p}handoff_rules", f"has more than {L.MAX_LIST} rules", "TOO_MANY"))
    for i, rule in enumerate(rules):
        rp = f"{p}handoff_rules[{i}]."
        for name in ("from_agent_id", "to_agent_id"):
            agent = rule.get(name, "")
            if agent and agent not in members:
                out.append(violation(rp + name, f"{agent!r} is not a member of the squad",
                                     "NOT_A_MEMBER"))
        if not rule.get("to_agent_id"):
            out.append(violation(rp + "to_agent_id", "is required", "REQUIRED"))
        out += condition_field(rule.get("condition", ""), rp + "condition")
        out += text_field(rule, "description", rp, L.MAX_DESCRIPTION)
    return out


def _check_tool(spec: Spec, p: str) -> list[FieldViolation]:
    out = text_field(spec, "description", p, L.MAX_DESCRIPTION, required=True)
    name = spec.get("name", "")
    if not L.TOOL_NAME.match(name):
        out.append(violation(f"{p}name",
                             "is required: 1-64 letters, digits, '_' or '-'", "BAD_NAME"))
    out += url_field(spec.get("endpoint_url", ""), f"{p}endpoint_url", required=True)
    timeout = spec.get("timeout_ms", 0)
    if not 0 <= timeout <= L.MAX_TIMEOUT_MS:
        out.append(violation(f"{p}timeout_ms", f"must be between 0 and {L.MAX_TIMEOUT_MS}",
                             "OUT_OF_RANGE"))
    out += known_enum(spec, "method", p)
    out += _json_schema(spec.get("input_schema"), f"{p}input_schema")
    return out


def _json_schema(schema: Any, path: str) -> list[FieldViolation]:
    if schema is None:
        return [violation(path, "is required (a JSON Schema object)", "REQUIRED")]
    text = json.dumps(schema, sort_keys=True)
    if len(text) > L.MAX_SCHEMA_BYTES:
        return [violation(path, f"is larger than {L.MAX_SCHEMA_BYTES} bytes", "TOO_LARGE")]
    found = _schema_problem(text)
    return [violation(f"{path}{found[0]}", found[1], "BAD_SCHEMA")] if found else []


@functools.lru_cache(maxsize=4096)
def _schema_problem(text: str) -> tuple[str, str] | None:
    """(where, what) of a schema's problem, by its text: checking a schema is the costliest
    rule, and a bulk apply and the whole-Draft validation before a first publish meet the
    same few schemas thousands of times."""
    schema = json.loads(text)
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in exc.path)
        return where, f"not a valid JSON Schema: {exc.message}"
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return ".type", "a tool's input schema must be of type \"object\""
    return None


def _check_mcp_server(spec: Spec, p: str) -> list[FieldViolation]:
    out = text_field(spec, "name", p, L.MAX_NAME, required=True)
    transport = spec.get("transport", "MCP_TRANSPORT_UNSPECIFIED")
    if isinstance(transport, int):
        out += known_enum(spec, "transport", p)
    elif transport == "MCP_TRANSPORT_UNSPECIFIED":
        out.append(violation(f"{p}transport", "is required (stdio, sse or streamable-http)",
                             "REQUIRED"))
    elif transport == "MCP_TRANSPORT_STDIO":
        out += text_field(spec, "command", p, L.MAX_COMMAND, required=True)
    else:
        out += url_field(spec.get("url", ""), f"{p}url", required=True)
    if len(spec.get("allowed_tools", [])) > L.MAX_LIST:
        out.append(violation(f"{p}allowed_tools", f"has more than {L.MAX_LIST} items", "TOO_MANY"))
    return out


def _check_voice(spec: Spec, p: str) -> list[FieldViolation]:
    out = text_field(spec, "provider_id", p, L.MAX_NAME, required=True)
    out += text_field(spec, "voice_name", p, L.MAX_NAME, required=True)
    out += language_field(spec, p)
    if spec.get("speed"):
        out += in_range(spec, "speed", p, 0.25, 4.0, "must be between 0.25 and 4.0 (or unset)")
    return out


def _check_component(spec: Spec, p: str) -> list[FieldViolation]:
    out = text_field(spec, "name", p, L.MAX_NAME, required=True)
    out += text_field(spec, "template", p, L.MAX_TEMPLATE, required=True)
    if spec.get("type", "COMPONENT_TYPE_UNSPECIFIED") == "COMPONENT_TYPE_UNSPECIFIED":
        out.append(violation(f"{p}type", "is required", "REQUIRED"))
    out += known_enum(spec, "type", p)
    return out


def _check_conditional_prompt(spec: Spec, p: str) -> list[FieldViolation]:
    out = text_field(spec, "name", p, L.MAX_NAME, required=True)
    out += text_field(spec, "prompt", p, L.MAX_PROMPT, required=True)
    out += condition_field(spec.get("condition", ""), f"{p}condition")
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


