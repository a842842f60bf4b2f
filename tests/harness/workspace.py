"""A published demo workspace for runtime tests: a squad of two agents with a hand-off
rule, conditional prompts, a tool, and two channels (web -> squad, wa -> agent)."""

from __future__ import annotations

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import entities_pb2 as pb
from tests.harness import builders as b


def entities(instructions: str = "You help customers politely.") -> list[pb.Entity]:
    return [
        b.tool("weather"),
        b.conditional_prompt("vip", condition='"vip" in tags', prompt="Offer priority support.",
                             priority=10),
        b.conditional_prompt("pt", condition='locale.startsWith("pt")',
                             prompt="Answer in Portuguese.", priority=5),
        b.agent("support", instructions=instructions, tool_ids=["weather"],
                conditional_prompt_ids=["vip", "pt"], greeting="Hi! How can I help?"),
        b.agent("billing", name="Billing", instructions="You handle invoices."),
        b.squad("front-desk", ("support", "billing"), handoff_rules=[
            {"to_agent_id": "billing", "condition": 'message.contains("invoice")',
             "description": "invoices go to billing"}]),
    ]


async def publish_all(stub: cgrpc.ConfigServiceAsyncStub, ws: str, items: list[pb.Entity],
                      message: str) -> cpb.Version:
    applied = await stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=items))
    published = await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=applied.draft_revision, message=message))
    return published.version


async def seed(stub: cgrpc.ConfigServiceAsyncStub, ws: str) -> cpb.Version:
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws))
    version = await publish_all(stub, ws, entities(), "v1")
    for channel_id, kind, target, kind_type in (
            ("web", pb.ENTITY_KIND_SQUAD, "front-desk", cpb.CHANNEL_TYPE_WEB_WIDGET),
            ("wa", pb.ENTITY_KIND_AGENT, "support", cpb.CHANNEL_TYPE_WHATSAPP)):
        await stub.CreateChannel(cpb.CreateChannelRequest(workspace_id=ws, channel=cpb.Channel(
            channel_id=channel_id, type=kind_type, target_kind=kind, target_id=target)))
    return version
