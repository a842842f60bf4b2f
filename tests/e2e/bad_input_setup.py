"""The world each bad-input row starts from: a workspace with a valid tool and agent, one
edit (so the tool's first etag is stale), a published v1, and a page token of one query to
misuse on another. Rows are plain data: which RPC, which request, which answer."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import entities_pb2 as pb
from tests.harness import builders as b


@dataclass(frozen=True)
class World:
    stub: cgrpc.ConfigServiceAsyncStub
    ws: str
    tool_etag: str
    stale_tool_etag: str
    agent_etag: str
    revision: int
    draft_token: str  # a ListDraftEntities next_page_token of ws


async def make_world(stub: cgrpc.ConfigServiceAsyncStub) -> World:
    ws = f"ws-{uuid.uuid4().hex[:12]}"
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws))
    first = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws, entity=b.tool("weather")))
    agent = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws, entity=b.agent("support", tool_ids=["weather"])))
    tool = await stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws, entity=b.tool("weather", timeout_ms=7000), etag=first.entity.etag))
    await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=tool.draft_revision, message="v1"))
    page = await stub.ListDraftEntities(cpb.ListDraftEntitiesRequest(workspace_id=ws,
                                                                      page_size=1))
    assert page.next_page_token
    return World(stub, ws, tool.entity.etag, first.entity.etag, agent.entity.etag,
                 tool.draft_revision, page.next_page_token)


Request = tuple[str, Message]


@dataclass(frozen=True)
class Case:
    id: str
    request: Callable[[World], Request]
    code: grpc.StatusCode
    field: str = ""  # a BadRequest field violation path the answer must carry
    # The promised reason: of the field violation for INVALID_ARGUMENT, else of ErrorInfo.
    reason: str = ""
    prepare: Callable[[World], Awaitable[Any]] | None = None  # writes before the bad call
    by_grpc: bool = False  # refused by gRPC itself (message size): no ErrorInfo possible


def entity(kind: str, entity_id: str, **spec: Any) -> pb.Entity:
    """An Entity of ``kind`` with exactly ``spec`` (no defaults), for malformed bodies."""
    out = pb.Entity(id=entity_id)
    json_format.ParseDict(spec, getattr(out, kind))
    return out


def create(e: pb.Entity, **fields: Any) -> Callable[[World], Request]:
    return lambda w: ("CreateDraftEntity", cpb.CreateDraftEntityRequest(
        workspace_id=w.ws, entity=e, **fields))


def schema_tool(schema: dict[str, Any]) -> pb.Entity:
    tool = b.tool("schema-tool")
    tool.tool.ClearField("input_schema")
    tool.tool.input_schema.update(schema)
    return tool
