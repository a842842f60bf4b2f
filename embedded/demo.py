"""The demo workspace seeded on first start, through the config service's public API."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from agentconfig.kinds import kind_by_name
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb

WORKSPACE = "demo"

ENTITIES: list[tuple[str, str, dict[str, Any]]] = [
    ("tool", "order-status", {
        "name": "order_status", "description": "Looks up an order by its number.",
        "endpoint_url": "https://api.example.com/orders/status", "method": "HTTP_METHOD_GET",
        "timeout_ms": 5000, "connection_id": "conn-shop",
        "input_schema": {"type": "object", "required": ["order_id"], "properties": {
            "order_id": {"type": "string", "pattern": "^[0-9]{6}$"}}}}),
    ("tool", "create-refund", {
        "name": "create_refund", "description": "Opens a refund for an order.",
        "endpoint_url": "https://api.example.com/refunds", "method": "HTTP_METHOD_POST",
        "timeout_ms": 10000, "connection_id": "conn-shop",
        "input_schema": {"type": "object", "required": ["order_id", "reason"], "properties": {
            "order_id": {"type": "string"}, "reason": {"type": "string", "maxLength": 500}}}}),
    ("voice", "warm", {"provider_id": "prov-tts", "voice_name": "Aria", "language": "en",
                       "speed": 1.0}),
    ("component", "order-card", {"name": "Order card", "type": "COMPONENT_TYPE_CARD",
                                 "template": "Order {{order_id}}: {{status}}"}),
    ("conditional_prompt", "vip", {
        "name": "VIP customers", "condition": '"vip" in tags', "priority": 20,
        "prompt": "This is a VIP customer: offer a priority callback."}),
    ("conditional_prompt", "portuguese", {
        "name": "Portuguese speakers", "condition": 'locale.startsWith("pt")', "priority": 10,
        "prompt": "Answer in Brazilian Portuguese."}),
    ("conditional_prompt", "whatsapp-brief", {
        "name": "Brief on WhatsApp", "condition": 'channel.type == "whatsapp"', "priority": 5,
        "prompt": "Keep answers under three sentences."}),
    ("agent", "concierge", {
        "name": "Concierge", "model": "gpt-4o-mini", "temperature": 0.4, "language": "en",
        "greeting": "Hi! I can check orders and help with refunds.",
        "instructions": "You are the store's concierge. Be warm and precise.",
        "tool_ids": ["order-status"], "voice_id": "warm", "component_ids": ["order-card"],
        "conditional_prompt_ids": ["vip", "portuguese", "whatsapp-brief"]}),
    ("agent", "refunds", {
        "name": "Refunds", "model": "gpt-4o-mini", "temperature": 0.2, "language": "en",
        "instructions": "You handle refunds. Confirm the order and the reason first.",
        "tool_ids": ["order-status", "create-refund"],
        "conditional_prompt_ids": ["vip", "portuguese"]}),
    ("squad", "front-desk", {
        "name": "Front desk", "description": "Concierge first; refunds when asked.",
        "member_agent_ids": ["concierge", "refunds"], "entry_agent_id": "concierge",
        "handoff_rules": [{"from_agent_id": "concierge", "to_agent_id": "refunds",
                           "condition": 'message.contains("refund")',
                           "description": "refund requests go to the refunds agent"}]}),
]

CHANNELS = [
    ("web", "Website widget", cpb.CHANNEL_TYPE_WEB_WIDGET, pb.ENTITY_KIND_SQUAD, "front-desk"),
    ("whatsapp", "WhatsApp", cpb.CHANNEL_TYPE_WHATSAPP, pb.ENTITY_KIND_AGENT, "concierge"),
]


class _Keyed:
    """The stub, with the operator key on every call."""

    def __init__(self, stub: Any, key: str) -> None:
        self._stub = stub
        self._metadata = (("authorization", f"Bearer {key}"),)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._stub, name)
        return lambda request: method(request, metadata=self._metadata)


def entities() -> list[pb.Entity]:
    out = []
    for kind, entity_id, spec in ENTITIES:
        entity = pb.Entity(id=entity_id)
        registry = kind_by_name(kind)
        assert registry is not None
        getattr(entity, kind).CopyFrom(json_format.ParseDict(spec, registry.message()))
        out.append(entity)
    return out


async def seed(raw_stub: Any, key: str) -> bool:
    """Create and publish the demo workspace unless it exists; True when it was created."""
    stub = _Keyed(raw_stub, key)
    existing = await stub.ListWorkspaces(cpb.ListWorkspacesRequest(page_size=500))
    if any(w.workspace_id == WORKSPACE for w in existing.workspaces):
        return False
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=WORKSPACE,
                                                          display_name="Demo store"))
    applied = await stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=WORKSPACE, entities=entities(), author="demo"))
    await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=WORKSPACE, reviewed_revision=applied.draft_revision,
        message="Demo: concierge and refunds", author="demo", request_id="demo-v1"))
    for channel_id, name, kind, target_kind, target in CHANNELS:
        await stub.CreateChannel(cpb.CreateChannelRequest(workspace_id=WORKSPACE,
                                 channel=cpb.Channel(channel_id=channel_id, display_name=name,
                                                     type=kind, target_kind=target_kind,
                                                     target_id=target)))
    return True
