"""The whole workflow through real gRPC stubs on real Postgres and Redis (issue 2, item 1),
plus idempotent publish (item 3)."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

import grpc
import pytest
import redis.asyncio as aioredis
from google.protobuf import json_format

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.harness import builders as b
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _wait_for_redis_version(url: str, ws: str, version: int) -> dict[Any, Any]:
    client = aioredis.Redis.from_url(url)
    try:
        for _ in range(100):
            value = await client.hgetall(f"agentconfig:production:{ws}")
            if value and int(value[b"version"]) == version:
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(f"Redis never showed v{version} for {ws}: {value}")
    finally:
        await client.aclose()


async def test_full_scenario(config: ConfigHandle, redis_server: RedisServer, ws_id: str,
                             ) -> None:
    stub = config.stub
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id,
                                                          display_name="Acme"))
    # Draft: a tool, an agent using it (and a prompt not yet written), a squad.
    await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(workspace_id=ws_id,
                                                              entity=b.tool("weather")))
    await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws_id,
        entity=b.agent("support", tool_ids=["weather"], conditional_prompt_ids=["vip"])))
    await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws_id, entity=b.squad("front-desk", ("support",))))

    report = await stub.ValidateDraft(cpb.ValidateDraftRequest(workspace_id=ws_id))
    assert not report.valid
    assert [(v.field, v.reason) for v in report.violations] == [
        ("agent/support.conditional_prompt_ids[0]", "DANGLING_REFERENCE")]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.PublishDraft(cpb.PublishDraftRequest(
            workspace_id=ws_id, reviewed_revision=report.draft_revision, message="too early"))
    assert refused.value.code() == grpc.StatusCode.FAILED_PRECONDITION

    await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(workspace_id=ws_id,
                                                              entity=b.conditional_prompt("vip")))
    assert (await stub.ValidateDraft(cpb.ValidateDraftRequest(workspace_id=ws_id))).valid

    # A channel (live data) bound to the squad.
    channel = (await stub.CreateChannel(cpb.CreateChannelRequest(
        workspace_id=ws_id, channel=cpb.Channel(
            channel_id="web", display_name="Website", type=cpb.CHANNEL_TYPE_WEB_WIDGET,
            target_kind=pb.ENTITY_KIND_SQUAD, target_id="front-desk")))).channel
    channel_before = channel.SerializeToString(deterministic=True)

    diff = await stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws_id))
    assert {(e.entity_id, e.type) for e in diff.diff.entries} == {
        ("support", cpb.DIFF_TYPE_ADDED), ("front-desk", cpb.DIFF_TYPE_ADDED),
        ("weather", cpb.DIFF_TYPE_ADDED), ("vip", cpb.DIFF_TYPE_ADDED)}
    v1 = (await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=diff.draft_revision, message="first",
        author="ann", request_id=str(uuid.uuid4())))).version
    assert (v1.number, v1.origin.type, v1.entity_count) == (1, cpb.VERSION_ORIGIN_TYPE_DRAFT, 4)

    # Edit the agent: the diff shows the field-level change and who it reaches.
    current = (await stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws_id, kind=pb.ENTITY_KIND_AGENT, entity_id="support"))).entity
    edited = pb.Entity()
    edited.CopyFrom(current.entity)
    edited.agent.instructions = "You help customers briefly."
    await stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws_id, entity=edited, etag=current.etag))
    diff = await stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws_id))
    [entry] = diff.diff.entries
    assert (entry.entity_id, entry.type) == ("support", cpb.DIFF_TYPE_CHANGED)
    [change] = entry.field_changes
    assert (change.path, change.old_value.string_value, change.new_value.string_value) == (
        "instructions", "You help customers politely.", "You help customers briefly.")
    assert list(entry.affected_squad_ids) == ["front-desk"]
    assert list(entry.affected_channel_ids) == ["web"]
    v2 = (await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=diff.draft_revision, message="briefer"))).version
    assert v2.number == 2 and v2.previous_version == 1 and v2.changed_entity_count == 1

    history = await stub.ListVersions(cpb.ListVersionsRequest(workspace_id=ws_id))
    assert [v.number for v in history.versions] == [2, 1]

    # "Edit this version": restore v1 into the Draft, review, publish again.
    draft = (await stub.GetDraft(cpb.GetDraftRequest(workspace_id=ws_id))).draft
    restored = await stub.RestoreVersion(cpb.RestoreVersionRequest(
        workspace_id=ws_id, version=1, draft_revision=draft.revision))
    assert restored.backup_id
    diff = await stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws_id))
    assert diff.draft_revision == restored.draft_revision
    assert [e.entity_id for e in diff.diff.entries] == ["support"]
    v3 = (await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=diff.draft_revision, message="back to v1"))).version
    assert v3.number == 3
    assert v3.content_hash == v1.content_hash
    assert (v3.origin.type, v3.origin.restored_from_version) == (
        cpb.VERSION_ORIGIN_TYPE_RESTORED, 1)

    pointer = await _wait_for_redis_version(redis_server.url, ws_id, 3)
    assert pointer[b"hash"].decode() == v3.content_hash

    # Live data untouched by publish and restore.
    after = (await stub.GetChannel(cpb.GetChannelRequest(workspace_id=ws_id,
                                                          channel_id="web"))).channel
    assert after.SerializeToString(deterministic=True) == channel_before

    # Every version verifies: its snapshot rehashes to its recorded hash.
    from agentconfig.canonical import entity_hash, snapshot_hash
    from agentconfig.kinds import entity_to_parts
    for number in (1, 2, 3):
        got = await stub.GetVersion(cpb.GetVersionRequest(workspace_id=ws_id, version=number))
        manifest = []
        for entity in got.snapshot.entities:
            kind, entity_id, spec = entity_to_parts(entity)  # type: ignore[misc]
            manifest.append((kind.name, entity_id, entity_hash(kind.name, entity_id, spec)))
        assert snapshot_hash(manifest) == got.version.content_hash == got.snapshot.content_hash

    # The Draft's replaced content is recoverable.
    backups = await stub.ListDraftBackups(cpb.ListDraftBackupsRequest(workspace_id=ws_id))
    assert restored.backup_id in [bk.backup_id for bk in backups.backups]
    versions_diff = await stub.DiffVersions(cpb.DiffVersionsRequest(
        workspace_id=ws_id, from_version=1, to_version=2))
    assert [e.entity_id for e in versions_diff.diff.entries] == ["support"]
    new_value: Any = json_format.MessageToDict(versions_diff.diff.entries[0].field_changes[0]
                                               .new_value)
    assert new_value == "You help customers briefly."


async def test_publish_is_idempotent_by_request_id(config: ConfigHandle, ws_id: str) -> None:
    stub = config.stub
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
    created = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws_id, entity=b.tool("weather")))
    request = cpb.PublishDraftRequest(workspace_id=ws_id, message="once",
                                      reviewed_revision=created.draft_revision,
                                      request_id="req-123")
    first = (await stub.PublishDraft(request)).version
    again = (await stub.PublishDraft(request)).version
    assert first == again
    listed = await stub.ListVersions(cpb.ListVersionsRequest(workspace_id=ws_id))
    assert [v.number for v in listed.versions] == [1]


async def test_diff_hashes_match_the_snapshots(config: ConfigHandle, ws_id: str) -> None:
    """Each side of a diff names the hash GetDraftSnapshot / GetVersion give for it, an
    empty Draft included (it hashes `[]`); only a Production not published yet has none."""
    stub = config.stub
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))

    async def draft_hash() -> str:
        got = await stub.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(workspace_id=ws_id))
        return got.snapshot.content_hash

    async def version_hash(number: int) -> str:
        got = await stub.GetVersion(cpb.GetVersionRequest(workspace_id=ws_id, version=number))
        return got.snapshot.content_hash

    empty = (await stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws_id))).diff
    assert (empty.from_content_hash, empty.to_content_hash, len(empty.entries)) == (
        "", await draft_hash(), 0)
    assert empty.to_content_hash == hashlib.sha256(b"[]").hexdigest()
    created = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws_id, entity=b.tool("weather")))
    added = (await stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws_id))).diff
    assert (added.from_content_hash, added.to_content_hash) == ("", await draft_hash())
    await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=created.draft_revision))
    await stub.DeleteDraftEntity(cpb.DeleteDraftEntityRequest(
        workspace_id=ws_id, kind=pb.ENTITY_KIND_TOOL, entity_id="weather",
        etag=created.entity.etag))
    removed = (await stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws_id))).diff
    assert (removed.from_content_hash, removed.to_content_hash) == (
        await version_hash(1), empty.to_content_hash)
    recreated = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws_id, entity=b.tool("weather", timeout_ms=7000)))
    await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=recreated.draft_revision))
    between = (await stub.DiffVersions(cpb.DiffVersionsRequest(
        workspace_id=ws_id, from_version=1, to_version=2))).diff
    assert (between.from_content_hash, between.to_content_hash) == (
        await version_hash(1), await version_hash(2))
