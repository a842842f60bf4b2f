"""The shared conformance table (tests/conformance/resolve_table.yaml): its workspace
seeded through the config service, its cases as requests, and an answer reduced to what
the table states, so the runtime and the SDK are judged by one function."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from google.protobuf import json_format

from agentconfig import errors
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb

TABLE = yaml.safe_load((Path(__file__).parents[1] / "conformance" / "resolve_table.yaml")
                       .read_text())
CASES: list[dict[str, Any]] = TABLE["cases"]
CODES = {errors.NotFound: "NOT_FOUND", errors.FailedPrecondition: "FAILED_PRECONDITION",
         errors.InvalidArgument: "INVALID_ARGUMENT", errors.Unavailable: "UNAVAILABLE"}


def entities() -> list[pb.Entity]:
    return [json_format.ParseDict(e, pb.Entity()) for e in TABLE["workspace"]["entities"]]


def channels() -> list[cpb.Channel]:
    return [json_format.ParseDict(c, cpb.Channel()) for c in TABLE["workspace"]["channels"]]


async def seed(stub: cgrpc.ConfigServiceAsyncStub, ws: str) -> int:
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws))
    applied = await stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=entities()))
    published = await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=applied.draft_revision, message="table"))
    for channel in channels():
        await stub.CreateChannel(cpb.CreateChannelRequest(workspace_id=ws, channel=channel))
    return published.version.number


def context(case: dict[str, Any]) -> rpb.ConversationContext:
    return json_format.ParseDict(case.get("context") or {}, rpb.ConversationContext())


def summary(answer: rpb.ResolveChannelResponse | rpb.ResolveAgentResponse,
            expect: dict[str, Any]) -> dict[str, Any]:
    """The answer's fields the case names, in the table's shape."""
    agent = answer.agent
    out: dict[str, Any] = {"agent_id": agent.agent_id}
    if "matched" in expect:
        out["matched"] = list(agent.matched_conditional_prompt_ids)
    if "instructions" in expect:
        out["instructions"] = agent.effective_instructions
    if "squad" in expect:
        squad = (answer.squad if isinstance(answer, rpb.ResolveChannelResponse)
                 and answer.HasField("squad") else None)
        out["squad"] = None if squad is None else {
            "answering_agent_id": squad.answering_agent_id,
            "handoff_rule_index": squad.handoff_rule_index}
    return out


def error_summary(exc: errors.AgentConfigError) -> dict[str, str]:
    return {"code": CODES.get(type(exc), type(exc).__name__), "reason": exc.reason}
