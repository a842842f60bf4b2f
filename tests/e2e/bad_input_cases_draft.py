"""Bad-input rows for workspaces and Draft edits."""

from __future__ import annotations

import grpc

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from config_service.domain import limits as L
from tests.e2e.bad_input_setup import Case, create, entity, schema_tool
from tests.harness import builders as b

IA = grpc.StatusCode.INVALID_ARGUMENT
NAN = "NaN"
KIND_99 = pb.EntityKind.ValueType(99)  # a number the enum does not define


def _ws(workspace_id: str, name: str = "") -> Case:
    return Case(f"workspace-id-{workspace_id!r}", lambda w: ("CreateWorkspace",
                cpb.CreateWorkspaceRequest(workspace_id=workspace_id, display_name=name)),
                IA, "workspace_id")


def _delete(kind: int, entity_id: str, etag: str | None) -> Case:
    return Case(f"delete-{kind}-{entity_id}-{etag}", lambda w: (
        "DeleteDraftEntity", cpb.DeleteDraftEntityRequest(
            workspace_id=w.ws, kind=pb.EntityKind.ValueType(kind), entity_id=entity_id,
            etag=w.agent_etag if etag is None else etag)),
        IA, "kind" if kind in (0, 99) else ("entity_id" if not entity_id else "etag"))


CASES: list[Case] = [
    _ws(""), _ws("Bad_ID"), _ws("x"), _ws("ws-a\n"), _ws("a" * 64), _ws("9lives"),
    Case("workspace-display-name-too-long", lambda w: ("CreateWorkspace",
         cpb.CreateWorkspaceRequest(workspace_id="ws-long-name", display_name="n" * 201)),
         IA, "display_name"),
    Case("workspace-exists", lambda w: ("CreateWorkspace", cpb.CreateWorkspaceRequest(
         workspace_id=w.ws)), grpc.StatusCode.ALREADY_EXISTS, reason="WORKSPACE_EXISTS"),
    Case("create-missing-entity", lambda w: ("CreateDraftEntity", cpb.CreateDraftEntityRequest(
         workspace_id=w.ws)), IA, "entity", "UNKNOWN_KIND"),
    Case("create-entity-without-spec", create(pb.Entity(id="x")), IA, "entity"),
    Case("create-entity-without-id", create(b.voice("")), IA, "entity.id"),
    Case("create-bad-id", create(b.voice("Has Space")), IA, "entity.id"),
    Case("create-id-too-long", create(b.voice("v" * 64)), IA, "entity.id"),
    Case("create-id-newline", create(b.voice("warm\n")), IA, "entity.id"),
    Case("create-missing-required", create(entity("agent", "a1", name="A")), IA,
         "entity.agent.instructions"),
    Case("create-oversize-instructions", create(b.agent("a1", instructions="x" * 40_000)),
         IA, "entity.agent.instructions"),
    Case("create-oversize-name", create(b.agent("a1", name="n" * 101)), IA,
         "entity.agent.name"),
    Case("create-nan-temperature", create(b.agent("a1", temperature=NAN)), IA,
         "entity.agent.temperature"),
    Case("create-unknown-component-type", create(b.component("c1", type=99)), IA,
         "entity.component.type"),
    Case("create-unknown-http-method", create(b.tool("t1", method=42)), IA,
         "entity.tool.method"),
    Case("create-unknown-mcp-transport", create(b.mcp_server("m1", transport=7)), IA,
         "entity.mcp_server.transport"),
    Case("create-malformed-cel", create(b.conditional_prompt("p1", condition="turn >")), IA,
         "entity.conditional_prompt.condition", "BAD_CONDITION"),
    Case("create-cel-unknown-variable", create(b.conditional_prompt(
         "p1", condition='user.tier == "gold"')), IA, "entity.conditional_prompt.condition"),
    Case("create-malformed-handoff-cel", create(b.squad("s1", ("support",), handoff_rules=[
         {"to_agent_id": "support", "condition": "tags.exists("}])), IA,
         "entity.squad.handoff_rules[0].condition"),
    Case("create-schema-bad-type", create(schema_tool({"type": "object", "properties": {
         "city": {"type": "town"}}})), IA, "entity.tool.input_schema.properties.city.type"),
    Case("create-schema-not-object", create(schema_tool({"type": "array"})), IA,
         "entity.tool.input_schema.type"),
    Case("create-schema-missing", create(entity("tool", "t1", name="t1", description="d",
         endpoint_url="https://x.example/")), IA, "entity.tool.input_schema"),
    Case("create-schema-required-not-list", create(schema_tool({"type": "object",
         "required": "city"})), IA, "entity.tool.input_schema.required"),
    Case("create-duplicate", create(b.tool("weather")), grpc.StatusCode.ALREADY_EXISTS,
         reason="ENTITY_EXISTS"),
    Case("create-stale-revision", create(b.voice("warm"), expected_revision=1),
         grpc.StatusCode.ABORTED, reason="STALE_REVISION"),
    Case("create-negative-revision", create(b.voice("warm"), expected_revision=-3), IA,
         "expected_revision"),
    Case("create-author-too-long", create(b.voice("warm"), author="a" * 201), IA, "author"),
    Case("create-author-nul", create(b.voice("warm"), author="a\x00b"), IA, "author"),
    Case("create-schema-nan", create(schema_tool({"type": "object", "maximum": float("nan")})),
         IA, "entity", reason="NOT_FINITE"),
    Case("update-missing-etag", lambda w: ("UpdateDraftEntity", cpb.UpdateDraftEntityRequest(
         workspace_id=w.ws, entity=b.tool("weather"))), IA, "etag"),
    Case("update-stale-etag", lambda w: ("UpdateDraftEntity", cpb.UpdateDraftEntityRequest(
         workspace_id=w.ws, entity=b.tool("weather"), etag=w.stale_tool_etag)),
         grpc.StatusCode.ABORTED, reason="STALE_ETAG"),
    Case("update-not-in-draft", lambda w: ("UpdateDraftEntity", cpb.UpdateDraftEntityRequest(
         workspace_id=w.ws, entity=b.voice("warm"), etag="1-x")), grpc.StatusCode.NOT_FOUND,
         reason="ENTITY_NOT_FOUND"),
    Case("update-invalid-body", lambda w: ("UpdateDraftEntity", cpb.UpdateDraftEntityRequest(
         workspace_id=w.ws, entity=b.tool("weather", timeout_ms=999_999), etag=w.tool_etag)),
         IA, "entity.tool.timeout_ms"),
    _delete(99, "support", None), _delete(0, "support", None),
    _delete(pb.ENTITY_KIND_AGENT, "", None), _delete(pb.ENTITY_KIND_AGENT, "support", ""),
    Case("delete-stale-etag", lambda w: ("DeleteDraftEntity", cpb.DeleteDraftEntityRequest(
         workspace_id=w.ws, kind=pb.ENTITY_KIND_TOOL, entity_id="weather",
         etag=w.stale_tool_etag)), grpc.StatusCode.ABORTED),
    Case("get-kind-99", lambda w: ("GetDraftEntity", cpb.GetDraftEntityRequest(
         workspace_id=w.ws, kind=KIND_99, entity_id="support")), IA, "kind", "BAD_KIND"),
    Case("get-not-in-draft", lambda w: ("GetDraftEntity", cpb.GetDraftEntityRequest(
         workspace_id=w.ws, kind=pb.ENTITY_KIND_VOICE, entity_id="warm")),
         grpc.StatusCode.NOT_FOUND),
    Case("apply-nothing", lambda w: ("ApplyDraftEntities", cpb.ApplyDraftEntitiesRequest(
         workspace_id=w.ws)), IA, "entities"),
    Case("apply-one-bad-entity", lambda w: ("ApplyDraftEntities", cpb.ApplyDraftEntitiesRequest(
         workspace_id=w.ws, entities=[b.voice("warm"), b.tool("t2", timeout_ms=-1),
                                      b.component("card")])), IA, "entities[1].tool.timeout_ms"),
    Case("apply-twice-the-same", lambda w: ("ApplyDraftEntities", cpb.ApplyDraftEntitiesRequest(
         workspace_id=w.ws, entities=[b.voice("warm"), b.voice("warm")])), IA, "entities[1].id"),
    Case("apply-deletion-kind-99", lambda w: ("ApplyDraftEntities",
         cpb.ApplyDraftEntitiesRequest(workspace_id=w.ws, deletions=[cpb.EntityRef(
             kind=KIND_99, entity_id="support")])), IA, "deletions[0].kind"),
    Case("apply-too-many", lambda w: ("ApplyDraftEntities", cpb.ApplyDraftEntitiesRequest(
         workspace_id=w.ws, entities=[b.voice(f"v{i}")
                                      for i in range(L.MAX_ENTITIES_PER_APPLY + 1)])),
         grpc.StatusCode.RESOURCE_EXHAUSTED, reason="APPLY_TOO_LARGE"),
    Case("apply-stale-revision", lambda w: ("ApplyDraftEntities", cpb.ApplyDraftEntitiesRequest(
         workspace_id=w.ws, entities=[b.voice("warm")], expected_revision=w.revision - 1)),
         grpc.StatusCode.ABORTED),
    Case("apply-delete-missing", lambda w: ("ApplyDraftEntities", cpb.ApplyDraftEntitiesRequest(
         workspace_id=w.ws, entities=[b.voice("warm")], deletions=[cpb.EntityRef(
             kind=pb.ENTITY_KIND_SQUAD, entity_id="ghost")])), grpc.StatusCode.NOT_FOUND),
    Case("list-kind-99", lambda w: ("ListDraftEntities", cpb.ListDraftEntitiesRequest(
         workspace_id=w.ws, kind=KIND_99)), IA, "kind"),
    Case("list-negative-page-size", lambda w: ("ListDraftEntities",
         cpb.ListDraftEntitiesRequest(workspace_id=w.ws, page_size=-1)), IA, "page_size"),
    Case("list-garbage-token", lambda w: ("ListDraftEntities", cpb.ListDraftEntitiesRequest(
         workspace_id=w.ws, page_token="garbage")), IA, "page_token", "BAD_PAGE_TOKEN"),
    Case("list-token-of-other-kind", lambda w: ("ListDraftEntities",
         cpb.ListDraftEntitiesRequest(workspace_id=w.ws, kind=pb.ENTITY_KIND_TOOL,
                                      page_token=w.draft_token)), IA, "page_token"),
    Case("snapshot-negative-known-revision", lambda w: ("GetDraftSnapshot",
         cpb.GetDraftSnapshotRequest(workspace_id=w.ws, known_draft_revision=-1)), IA,
         "known_draft_revision", "OUT_OF_RANGE"),
]
