"""Issue 3, items 1, 2, 5 and 6: two runtime replicas follow publishes and rollbacks with
no failed read; missed, duplicate and reordered notifications; pinned conversations; the
Draft reaches only the internal chat."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agentconfig.bus import ProductionMove
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest_asyncio.fixture(loop_scope="session")
async def replicas(config: ConfigHandle, redis_server: RedisServer, tmp_path: Path,
                   ) -> AsyncIterator[list[RuntimeHandle]]:
    handles = [await start_runtime_service(config.address, redis_server.url,
                                           str(tmp_path / f"r{i}")) for i in range(2)]
    yield handles
    for handle in handles:
        await handle.stop()


async def _served(handle: RuntimeHandle, ws: str, channel: str = "wa") -> int:
    response = await handle.stub.ResolveChannel(rpb.ResolveChannelRequest(
        workspace_id=ws, channel_id=channel))
    return response.served_from.version


async def _until(handle: RuntimeHandle, ws: str, version: int, seconds: float = 5) -> None:
    for _ in range(int(seconds / 0.01)):
        if await _served(handle, ws) == version:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"replica never served v{version}")


async def test_two_replicas_follow_publish_and_rollback(
        config: ConfigHandle, replicas: list[RuntimeHandle], ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    assert [await _served(r, ws_id) for r in replicas] == [1, 1]

    failures: list[BaseException] = []
    seen: list[int] = []
    stop = asyncio.Event()

    async def reader(handle: RuntimeHandle) -> None:
        while not stop.is_set():
            try:
                version = await _served(handle, ws_id)
            except Exception as exc:
                failures.append(exc)
                return
            if seen and version < seen[-1] and handle is replicas[0]:
                failures.append(AssertionError(f"went back from v{seen[-1]} to v{version}"))
            if handle is replicas[0]:
                seen.append(version)

    readers = [asyncio.create_task(reader(r)) for r in replicas]
    v2 = await workspace.publish_all(config.stub, ws_id, workspace.entities("Be brief."), "v2")
    for r in replicas:
        await _until(r, ws_id, v2.number)
    draft = (await config.stub.GetDraft(cpb.GetDraftRequest(workspace_id=ws_id))).draft
    restored = await config.stub.RestoreVersion(cpb.RestoreVersionRequest(
        workspace_id=ws_id, version=1, draft_revision=draft.revision))
    v3 = (await config.stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=restored.draft_revision, message="rollback"))).version
    for r in replicas:
        await _until(r, ws_id, 3)
    stop.set()
    await asyncio.gather(*readers)
    assert not failures
    assert seen and seen[0] == 1 and seen[-1] == 3
    resolved = await replicas[1].stub.ResolveChannel(rpb.ResolveChannelRequest(
        workspace_id=ws_id, channel_id="wa"))
    assert resolved.served_from.content_hash == v3.content_hash
    assert resolved.agent.agent.instructions == "You help customers politely."

    status = None
    for _ in range(100):
        status = await config.stub.GetRolloutStatus(cpb.GetRolloutStatusRequest(
            workspace_id=ws_id))
        if status.live_replicas == 2:
            break
        await asyncio.sleep(0.05)
    assert status is not None
    assert (status.production_version, status.live_replicas, status.total_replicas) == (3, 2, 2)


async def test_missed_duplicate_and_reordered_notifications(
        config: ConfigHandle, redis_server: RedisServer, replicas: list[RuntimeHandle],
        tmp_path: Path, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    # a replica that hears no notification and does not reconcile on its own
    deaf = await start_runtime_service(config.address, redis_server.url, str(tmp_path / "d"),
                                       reconcile_seconds=3600)
    try:
        assert await _served(deaf, ws_id) == 1
        deaf.app.loader.on_move = lambda move: None  # type: ignore[method-assign]
        v2 = await workspace.publish_all(config.stub, ws_id, workspace.entities("Be brief."),
                                         "v2")
        await _until(replicas[1], ws_id, 2)
        await asyncio.sleep(0.3)
        assert await _served(deaf, ws_id) == 1  # the notice was dropped
        await deaf.app.loader.reconcile()  # what the periodic reconcile runs
        assert await _served(deaf, ws_id) == 2
    finally:
        await deaf.stop()
    # with its periodic reconcile (0.3 s here), a deaf replica catches up by itself
    slow = replicas[0]
    slow.app.loader.on_move = lambda move: None  # type: ignore[method-assign]
    v3 = await workspace.publish_all(config.stub, ws_id, workspace.entities("Be briefer."),
                                     "v3")
    await _until(slow, ws_id, 3, seconds=3)
    # duplicates, an old version and a forged hash never move a replica
    loader = replicas[1].app.loader
    await _until(replicas[1], ws_id, 3)
    for move in (ProductionMove(ws_id, 3, v3.content_hash), ProductionMove(ws_id, 1, "x"),
                 ProductionMove(ws_id, 2, v2.content_hash)):
        loader.on_move(move)
        await loader.advance(move)
    await loader.advance(ProductionMove(ws_id, 4, "0" * 64))  # no v4 exists: refused
    assert await _served(replicas[1], ws_id) == 3


async def test_a_notified_hash_that_does_not_match_is_refused(
        config: ConfigHandle, redis_server: RedisServer, tmp_path: Path, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    replica = await start_runtime_service(config.address, redis_server.url, str(tmp_path),
                                          reconcile_seconds=3600)
    try:
        assert await _served(replica, ws_id) == 1
        replica.app.loader.on_move = lambda move: None  # type: ignore[method-assign]
        v2 = await workspace.publish_all(config.stub, ws_id, workspace.entities("Be brief."),
                                         "v2")
        await replica.app.loader.advance(ProductionMove(ws_id, 2, "f" * 64))
        assert await _served(replica, ws_id) == 1
        status = await replica.stub.GetReplicaStatus(rpb.GetReplicaStatusRequest())
        assert any("hashes to" in reason for reason in status.degraded_reasons)
        await replica.app.loader.advance(ProductionMove(ws_id, 2, v2.content_hash))
        assert await _served(replica, ws_id) == 2
    finally:
        await replica.stop()


async def test_pinned_conversation_keeps_its_version(
        config: ConfigHandle, replicas: list[RuntimeHandle], ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    replica = replicas[0]

    async def served(conversation: str) -> rpb.ResolveChannelResponse:
        return await replica.stub.ResolveChannel(rpb.ResolveChannelRequest(
            workspace_id=ws_id, channel_id="wa", conversation_id=conversation))

    assert (await served("conv-a")).served_from.version == 1
    await workspace.publish_all(config.stub, ws_id, workspace.entities("Be brief."), "v2")
    await _until(replica, ws_id, 2)
    old = await served("conv-a")
    assert old.served_from.version == 1
    assert old.agent.agent.instructions == "You help customers politely."
    new = await served("conv-b")
    assert new.served_from.version == 2
    assert new.agent.agent.instructions == "Be brief."


async def test_draft_reaches_only_the_internal_chat(
        config: ConfigHandle, replicas: list[RuntimeHandle], ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    replica = replicas[0]
    draft_edit = await config.stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws_id, entities=[e for e in workspace.entities("DRAFT ONLY")
                                      if e.id == "support"]))
    chat = await replica.stub.Chat(rpb.ChatRequest(
        workspace_id=ws_id, target_kind=pb.ENTITY_KIND_SQUAD, target_id="front-desk",
        source=rpb.CHAT_SOURCE_DRAFT, message="where is my invoice?",
        context=rpb.ConversationContext(tags=["vip"], turn=1)))
    assert chat.trace.answering_agent_id == "billing"
    assert chat.trace.squad.handoff_rule_index == 0
    assert chat.trace.served_from.draft_revision == draft_edit.draft_revision
    assert chat.trace.served_from.version == 0
    to_support = await replica.stub.Chat(rpb.ChatRequest(
        workspace_id=ws_id, target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
        source=rpb.CHAT_SOURCE_DRAFT, message="hello",
        context=rpb.ConversationContext(tags=["vip"], turn=1)))
    assert to_support.trace.effective_instructions == "DRAFT ONLY\n\nOffer priority support."
    assert to_support.reply == ("[Support] You said: hello (tools: weather; conditional "
                                "prompts: vip)")
    # every channel-facing read still answers from v1
    resolved = await replica.stub.ResolveChannel(rpb.ResolveChannelRequest(
        workspace_id=ws_id, channel_id="wa"))
    by_agent = await replica.stub.ResolveAgent(rpb.ResolveAgentRequest(
        workspace_id=ws_id, agent_id="support"))
    snapshot = await replica.stub.GetProductionSnapshot(rpb.GetProductionSnapshotRequest(
        workspace_id=ws_id))
    for served in (resolved.served_from, by_agent.served_from, snapshot.served_from):
        assert (served.version, served.draft_revision) == (1, 0)
    assert "DRAFT ONLY" not in str(resolved) + str(by_agent) + str(snapshot)
    unchanged = await replica.stub.GetProductionSnapshot(rpb.GetProductionSnapshotRequest(
        workspace_id=ws_id, if_none_match=snapshot.snapshot.content_hash))
    assert unchanged.not_modified and not unchanged.HasField("snapshot")
    # a stored version through the chat
    old = await replica.stub.Chat(rpb.ChatRequest(
        workspace_id=ws_id, target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
        source=rpb.CHAT_SOURCE_VERSION, version=1, message="hi"))
    assert old.trace.served_from.version == 1
    assert old.reply.startswith("[Support] Hi! How can I help?")


async def test_watch_streams_each_new_version(
        config: ConfigHandle, replicas: list[RuntimeHandle], ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    call = replicas[0].stub.WatchProduction(rpb.WatchProductionRequest(
        workspace_id=ws_id, include_snapshot=True))
    stream = call.__aiter__()
    first = await asyncio.wait_for(stream.__anext__(), 5)
    assert first.served_from.version == 1 and first.snapshot.entities
    await workspace.publish_all(config.stub, ws_id, workspace.entities("Be brief."), "v2")
    second = await asyncio.wait_for(stream.__anext__(), 5)
    assert second.served_from.version == 2
    call.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(0)
