"""Issue 5, items 1 and 3, continued: the RPCs that name no workspace, keys that cannot be
recovered from the database, revocation and expiry taking effect at once on both services,
the two-person rule and the audit log."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from google.protobuf import timestamp_pb2
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e.access_setup import OPERATOR, ROLES, Secured, auth, secured
from tests.e2e.test_access_matrix import _code
from tests.harness import workspace

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["secured"]


@pytest.mark.parametrize("role", sorted(ROLES))
async def test_workspace_free_rpcs(secured: Secured, role: str) -> None:
    key = auth(secured.keys[role])
    stub = secured.config.stub
    create = stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id="nope"), metadata=key)
    assert (await _code(create))[0] == grpc.StatusCode.PERMISSION_DENIED
    introspect = stub.IntrospectApiKey(cpb.IntrospectApiKeyRequest(key_id="x"), metadata=key)
    assert (await _code(introspect))[0] == grpc.StatusCode.PERMISSION_DENIED
    if role == "channel":
        listing = stub.ListWorkspaces(cpb.ListWorkspacesRequest(), metadata=key)
        assert (await _code(listing))[0] == grpc.StatusCode.PERMISSION_DENIED
    else:
        listed = await stub.ListWorkspaces(cpb.ListWorkspacesRequest(), metadata=key)
        assert [w.workspace_id for w in listed.workspaces] == [secured.own]
    status = await secured.runtime.stub.GetReplicaStatus(rpb.GetReplicaStatusRequest(),
                                                         metadata=key)
    assert {w.workspace_id for w in status.workspaces} <= {secured.own}


@pytest.mark.parametrize("key", [None, "", "Bearer", "agc_nope_nope", "not-a-key"])
async def test_missing_or_bad_keys_are_unauthenticated(secured: Secured, key: str | None,
                                                       ) -> None:
    metadata = () if key is None else (("authorization", f"Bearer {key}"),)
    for call in (secured.config.stub.GetDraft(cpb.GetDraftRequest(workspace_id=secured.own),
                                              metadata=metadata),
                 secured.runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                     workspace_id=secured.own, channel_id="web"), metadata=metadata)):
        assert (await _code(call))[0] == grpc.StatusCode.UNAUTHENTICATED


async def _both(secured: Secured, key: str) -> tuple[grpc.StatusCode, grpc.StatusCode]:
    config = await _code(secured.config.stub.GetDraft(
        cpb.GetDraftRequest(workspace_id=secured.own), metadata=auth(key)))
    runtime = await _code(secured.runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
        workspace_id=secured.own, channel_id="web"), metadata=auth(key)))
    return config[0], runtime[0]


async def test_revoked_key_stops_at_once_on_both_services(secured: Secured) -> None:
    key = await secured.key("viewer")
    ok = (grpc.StatusCode.OK, grpc.StatusCode.OK)
    assert await _both(secured, key) == ok  # now cached by the runtime
    key_id = key.split("_")[1]
    await secured.config.stub.RevokeApiKey(cpb.RevokeApiKeyRequest(
        workspace_id=secured.own, key_id=key_id), metadata=auth(OPERATOR))
    assert (await _both(secured, key))[0] == grpc.StatusCode.UNAUTHENTICATED
    for _ in range(50):  # the revocation notice, well inside the 30 s cache lifetime
        if (await _both(secured, key))[1] == grpc.StatusCode.UNAUTHENTICATED:
            break
        await asyncio.sleep(0.01)
    assert await _both(secured, key) == (grpc.StatusCode.UNAUTHENTICATED,) * 2


async def test_expired_key_stops_on_both_services(secured: Secured) -> None:
    expiry = timestamp_pb2.Timestamp()
    expiry.FromDatetime(datetime.now(UTC) + timedelta(seconds=1))
    key = await secured.key("viewer", expire_time=expiry)
    assert await _both(secured, key) == (grpc.StatusCode.OK, grpc.StatusCode.OK)
    await asyncio.sleep(1.1)
    assert await _both(secured, key) == (grpc.StatusCode.UNAUTHENTICATED,) * 2


async def test_keys_are_not_recoverable_from_the_database(secured: Secured,
                                                          pg_engine: AsyncEngine) -> None:
    key = await secured.key("admin")
    async with pg_engine.connect() as conn:
        rows = (await conn.execute(text("SELECT * FROM api_keys"))).all()
        audit = (await conn.execute(text("SELECT * FROM audit_events"))).all()
    dump = repr(rows) + repr(audit)
    secret = key.split("_", 2)[2]
    assert secret not in dump and key not in dump
    assert key.split("_")[1] in dump  # the key id is there, the secret only as a hash


async def test_two_person_rule_and_audit(secured: Secured) -> None:
    stub = secured.config.stub
    admin = auth(secured.keys["admin"])
    first, second = await secured.key("publisher"), await secured.key("publisher")
    await stub.UpdateWorkspaceSettings(cpb.UpdateWorkspaceSettingsRequest(
        workspace_id=secured.own, settings=cpb.WorkspaceSettings(two_person_rule=True)),
        metadata=admin)
    edit = await stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=secured.own, entities=[e for e in workspace.entities("Two people.")
                                            if e.id == "support"]), metadata=auth(first))
    request = cpb.PublishDraftRequest(workspace_id=secured.own, message="mine",
                                      reviewed_revision=edit.draft_revision)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishDraft(request, metadata=auth(first))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "two-person rule" in (refused.value.details() or "")
    published = (await stub.PublishDraft(request, metadata=auth(second))).version
    assert published.author.startswith(f"key:{second.split('_')[1]}")
    await stub.UpdateWorkspaceSettings(cpb.UpdateWorkspaceSettingsRequest(
        workspace_id=secured.own, settings=cpb.WorkspaceSettings(two_person_rule=False)),
        metadata=admin)

    events = (await stub.ListAuditEvents(cpb.ListAuditEventsRequest(
        workspace_id=secured.own, page_size=100), metadata=admin)).events
    actions = [e.action for e in events]
    assert "version.publish" in actions and "workspace.settings" in actions
    assert "api_key.create" in actions
    publish = next(e for e in events if e.action == "version.publish"
                   and e.target == f"v{published.number}")
    assert publish.actor == published.author
    assert publish.peer.startswith("ipv4:127.0.0.1")
    assert publish.details["content_hash"] == published.content_hash
    assert [e.event_id for e in events] == sorted((e.event_id for e in events), reverse=True)
