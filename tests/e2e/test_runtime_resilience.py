"""Issue 3, items 3 and 7: reads survive the config service going away; a replica
restarted meanwhile serves its last-known-good disk copy (and refuses a corrupted one);
conversation records are live data that publish and rollback never touch."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import grpc
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.recorder import SqlRecorder
from runtime_service.adapters.tables import conversations, executions
from tests.harness import workspace
from tests.harness.servers import PostgresServer, RedisServer
from tests.harness.services import ConfigHandle, start_config_service, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _resolve(stub: object, ws: str) -> rpb.ResolveChannelResponse:
    return await stub.ResolveChannel(rpb.ResolveChannelRequest(  # type: ignore[attr-defined, no-any-return]
        workspace_id=ws, channel_id="web", context=rpb.ConversationContext(tags=["vip"])))


async def test_config_service_down_disk_copy_and_corruption(
        postgres: PostgresServer, redis_server: RedisServer, tmp_path: Path, ws_id: str,
) -> None:
    database = postgres.create_database(f"down_{uuid.uuid4().hex[:8]}")
    config = await start_config_service(database, redis_server.url)
    runtime = await start_runtime_service(config.address, redis_server.url,
                                          str(tmp_path / "cache"))
    await workspace.seed(config.stub, ws_id)
    assert (await _resolve(runtime.stub, ws_id)).served_from.version == 1
    await config.stop()

    # reads keep succeeding from memory
    for _ in range(50):
        answer = await _resolve(runtime.stub, ws_id)
        assert answer.served_from.version == 1
    assert answer.agent.matched_conditional_prompt_ids == ["vip"]

    # a replica restarted while the config service is down serves the disk copy, degraded
    await runtime.stop()
    restarted = await start_runtime_service(config.address, redis_server.url,
                                            str(tmp_path / "cache"))
    try:
        answer = await _resolve(restarted.stub, ws_id)
        assert answer.served_from.version == 1
        status = await restarted.stub.GetReplicaStatus(rpb.GetReplicaStatusRequest())
        assert status.degraded
        assert any("last-known-good" in reason for reason in status.degraded_reasons)
    finally:
        await restarted.stop()

    # a corrupted disk copy is refused, not served: nothing else -> UNAVAILABLE
    snapshot_file = tmp_path / "cache" / f"{ws_id}.snapshot.pb"
    raw = snapshot_file.read_bytes()
    snapshot_file.write_bytes(raw.replace(b"You help customers politely.",
                                          b"You help customers rudely!!!"))
    corrupted = await start_runtime_service(config.address, redis_server.url,
                                            str(tmp_path / "cache"))
    try:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await _resolve(corrupted.stub, ws_id)
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        status = await corrupted.stub.GetReplicaStatus(rpb.GetReplicaStatusRequest())
        assert any("does not verify" in r or "refused" in r for r in status.degraded_reasons)
    finally:
        await corrupted.stop()


async def _rows(url: str, ws: str) -> list[tuple[object, ...]]:
    """Every column of the runtime's conversation and turn rows of ``ws``."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            out = []
            for table in (conversations, executions):
                result = await conn.execute(select(table).where(table.c.workspace_id == ws)
                                            .order_by(*table.primary_key.columns))
                out += [tuple(row) for row in result]
            return out
    finally:
        await engine.dispose()


async def test_conversation_records_survive_publish_and_rollback(
        config: ConfigHandle, postgres_url: str, redis_server: RedisServer, tmp_path: Path,
        ws_id: str) -> None:
    runtime = await start_runtime_service(config.address, redis_server.url, str(tmp_path),
                                          database_url=postgres_url)
    try:
        await workspace.seed(config.stub, ws_id)
        token = ""
        for turn, message in enumerate(("hi", "my invoice", "thanks")):
            answer = await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws_id, channel_id="web", conversation_id="conv-1",
                conversation_token=token,
                context=rpb.ConversationContext(turn=turn, message=message)))
            token = answer.conversation_token
        recorder = runtime.app.recorder
        assert isinstance(recorder, SqlRecorder)
        await recorder.flush()
        before = await _rows(postgres_url, ws_id)
        assert len(before) == 4  # one conversation, three executions
        version_at = list(executions.c.keys()).index("version")
        assert [row[version_at] for row in before[1:]] == [1, 1, 1]  # each turn names v1
        read = await runtime.stub.GetConversation(rpb.GetConversationRequest(
            workspace_id=ws_id, conversation_id="conv-1"))
        assert [t.agent_id for t in read.conversation.turns] == ["support", "billing",
                                                                 "billing"]

        await workspace.publish_all(config.stub, ws_id, workspace.entities("Be brief."), "v2")
        await config.stub.RollbackToVersion(cpb.RollbackToVersionRequest(
            workspace_id=ws_id, version=1, message="back"))
        await asyncio.sleep(0.2)
        await recorder.flush()
        assert await _rows(postgres_url, ws_id) == before
        assert await runtime.stub.GetConversation(rpb.GetConversationRequest(
            workspace_id=ws_id, conversation_id="conv-1")) == read
    finally:
        await runtime.stop()


async def test_runtime_resubscribes_after_redis_restarts(
        postgres: PostgresServer, tmp_path: Path, ws_id: str) -> None:
    """With the reconcile out of the way (one minute), only a fresh subscription can bring
    the next version in: redis-py's pub/sub does not re-subscribe, the runtime must."""
    database = postgres.create_database(f"resub_{uuid.uuid4().hex[:8]}")
    redis = RedisServer().start()
    config = await start_config_service(database, redis.url)
    runtime = await start_runtime_service(config.address, redis.url, str(tmp_path),
                                          reconcile_seconds=60)
    try:
        await workspace.seed(config.stub, ws_id)
        assert (await _resolve(runtime.stub, ws_id)).served_from.version == 1
        redis.stop()
        redis.start()
        for _ in range(100):  # wait until the runtime is subscribed again
            status = await runtime.stub.GetReplicaStatus(rpb.GetReplicaStatusRequest())
            if not status.degraded:
                break
            await asyncio.sleep(0.05)
        await workspace.publish_all(config.stub, ws_id, workspace.entities("Be brief."), "v2")
        for _ in range(100):
            if (await _resolve(runtime.stub, ws_id)).served_from.version == 2:
                break
            await asyncio.sleep(0.05)
        assert (await _resolve(runtime.stub, ws_id)).served_from.version == 2
    finally:
        await runtime.stop()
        await config.stop()
        redis.stop()
