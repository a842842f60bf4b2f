"""Small builders for valid entities, so each test states only what it is about."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from agentconfig.v1 import entities_pb2 as pb


def tool(entity_id: str = "weather", **spec: Any) -> pb.Entity:
    body = {"name": entity_id.replace("-", "_"), "description": "Looks up the weather",
            "endpoint_url": "https://tools.example.com/weather", "method": "HTTP_METHOD_GET",
            "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                             "required": ["city"]}, "timeout_ms": 5000} | spec
    return pb.Entity(id=entity_id, tool=json_format.ParseDict(body, pb.Tool()))


def agent(entity_id: str = "support", **spec: Any) -> pb.Entity:
    body = {"name": "Support", "instructions": "You help customers politely.",
            "model": "gpt-4o-mini", "temperature": 0.3, "language": "en"} | spec
    return pb.Entity(id=entity_id, agent=json_format.ParseDict(body, pb.Agent()))


def conditional_prompt(entity_id: str = "vip", **spec: Any) -> pb.Entity:
    body = {"name": "VIP", "condition": '"vip" in tags', "prompt": "Be extra helpful.",
            "priority": 10} | spec
    return pb.Entity(id=entity_id,
                     conditional_prompt=json_format.ParseDict(body, pb.ConditionalPrompt()))


def squad(entity_id: str = "front-desk", members: tuple[str, ...] = ("support",),
          **spec: Any) -> pb.Entity:
    body = {"name": "Front desk", "member_agent_ids": list(members),
            "entry_agent_id": members[0]} | spec
    return pb.Entity(id=entity_id, squad=json_format.ParseDict(body, pb.Squad()))


def voice(entity_id: str = "warm", **spec: Any) -> pb.Entity:
    body = {"provider_id": "prov-1", "voice_name": "Aria", "language": "en", "speed": 1.0} | spec
    return pb.Entity(id=entity_id, voice=json_format.ParseDict(body, pb.Voice()))


def component(entity_id: str = "card", **spec: Any) -> pb.Entity:
    body = {"name": "Card", "type": "COMPONENT_TYPE_CARD", "template": "{{title}}"} | spec
    return pb.Entity(id=entity_id, component=json_format.ParseDict(body, pb.Component()))


def mcp_server(entity_id: str = "files", **spec: Any) -> pb.Entity:
    body = {"name": "Files", "transport": "MCP_TRANSPORT_STREAMABLE_HTTP",
            "url": "https://mcp.example.com/files"} | spec
    return pb.Entity(id=entity_id, mcp_server=json_format.ParseDict(body, pb.McpServer()))
