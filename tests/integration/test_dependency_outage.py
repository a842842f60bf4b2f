"""Issue 8, item 3: a dependency that is down is UNAVAILABLE (with the dependency named in
ErrorInfo and a RetryInfo), never INTERNAL; nothing is half-written; and the service is
back by itself, without a restart, as soon as the dependency is. Real servers throughout:
Postgres stopped and started again on the same port, Redis likewise, a SQLite file locked
by another connection."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sqlite3
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from agentconfig.errors import Unavailable
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from config_service.adapters.notify import RedisRolloutReader, redis_client
from tests.harness import builders as b
from tests.harness import workspace
from tests.harness.servers import PostgresServer, RedisServer
from tests.harness.services import ConfigHandle, start_config_service

OPERATOR = "operator-" + uuid.uuid4().hex
AGENT = pb.ENTITY_KIND_AGENT


@dataclass(frozen=True)
class Refusal:
    code: grpc.StatusCode
    reason: str
    metadata: dict[str, str]
    retry_after: float


def refusal(exc: grpc.aio.AioRpcError) -> Refusal:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    assert status is not None, f"no google.rpc.Status details on {exc.code()}"
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    for detail in status.details:
        if not detail.Unpack(info):
            detail.Unpack(retry)
    return Refusal(exc.code(), info.reason, dict(info.metadata),
                   retry.retry_delay.ToTimedelta().total_seconds())


async def refused(call: Awaitable[Any]) -> Refusal:
    started = time.monotonic()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert time.monotonic() - started < 10, "a caller waited on a dead dependency"
    return refusal(caught.value)


class Keyed:
    """The stub with one API key on every call, so authentication (a key read from the
    database) is on the path of every RPC, as in production."""

    def __init__(self, stub: Any, key: str) -> None:
        self._stub, self._key = stub, key

    def __getattr__(self, name: str) -> Callable[[Any], Awaitable[Any]]:
        method = getattr(self._stub, name)
        return lambda request: method(request, metadata=(("authorization",
                                                          f"Bearer {self._key}"),))


@pytest_asyncio.fixture(loop_scope="session")
async def deployment(tmp_path: Path) -> AsyncIterator[tuple[PostgresServer, RedisServer,
                                                             ConfigHandle]]:
    postgres = PostgresServer().start()
    redis = RedisServer().start()
    url = postgres.create_database("outage")
    # The harness runs Postgres with synchronous_commit=off for speed, so a crash would lose
    # the last commits it acknowledged; here "answered OK" must mean "kept".
    admin = create_async_engine(postgres.url(), isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text("ALTER DATABASE outage SET synchronous_commit = on"))
    await admin.dispose()
    handle = await start_config_service(url, redis.url, auth_required=True,
                                        operator_key=OPERATOR)
    try:
        yield postgres, redis, handle
    finally:
        await _relay_settled(handle)
        await handle.stop()
        redis.stop()
        postgres.stop()


async def _relay_settled(handle: ConfigHandle) -> None:
    """Let the relay finish announcing before the service stops: cancelling it in the
    middle of a Redis write can be lost on Python 3.11 (asyncio.wait_for inside redis-py
    swallows a cancel that races the write's completion), and then stop() never returns."""
    for _ in range(100):
        with contextlib.suppress(Exception):
            if await handle.app.relay.pending() == 0:
                return
        await asyncio.sleep(0.05)


async def _admin(handle: ConfigHandle, ws: str) -> Keyed:
    operator = Keyed(handle.stub, OPERATOR)
    await workspace.seed(operator, ws)  # type: ignore[arg-type]
    created = await operator.CreateApiKey(cpb.CreateApiKeyRequest(
        workspace_id=ws, role=cpb.ROLE_ADMIN, display_name="admin"))
    return Keyed(handle.stub, created.secret)


async def _state(stub: Keyed, ws: str) -> tuple[object, ...]:
    """Everything a write could have touched."""
    got = await stub.GetWorkspace(cpb.GetWorkspaceRequest(workspace_id=ws))
    draft = await stub.ListDraftEntities(cpb.ListDraftEntitiesRequest(workspace_id=ws))
    channels = await stub.ListChannels(cpb.ListChannelsRequest(workspace_id=ws))
    backups = await stub.ListDraftBackups(cpb.ListDraftBackupsRequest(workspace_id=ws))
    return (got.workspace.draft_revision, got.workspace.latest_version,
            got.workspace.production_version, [e.etag for e in draft.entities],
            [c.SerializeToString() for c in channels.channels], len(backups.backups))


def _calls(stub: Keyed, ws: str, etag: str, revision: int,
           ) -> dict[str, Callable[[], Awaitable[Any]]]:
    edited = b.agent("support", instructions="Edited while the database was down.",
                     tool_ids=["weather"], conditional_prompt_ids=["vip", "pt"])
    return {
        "PublishDraft": lambda: stub.PublishDraft(cpb.PublishDraftRequest(
            workspace_id=ws, reviewed_revision=revision, message="down")),
        "UpdateDraftEntity": lambda: stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
            workspace_id=ws, entity=edited, etag=etag)),
        "CreateDraftEntity": lambda: stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
            workspace_id=ws, entity=b.tool("new-tool"))),
        "DeleteDraftEntity": lambda: stub.DeleteDraftEntity(cpb.DeleteDraftEntityRequest(
            workspace_id=ws, kind=AGENT, entity_id="support", etag=etag)),
        "ApplyDraftEntities": lambda: stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
            workspace_id=ws, entities=[edited, b.tool("other")])),
        "RestoreVersion": lambda: stub.RestoreVersion(cpb.RestoreVersionRequest(
            workspace_id=ws, version=1, draft_revision=revision)),
        "RollbackToVersion": lambda: stub.RollbackToVersion(cpb.RollbackToVersionRequest(
            workspace_id=ws, version=1, message="down")),
        "CreateChannel": lambda: stub.CreateChannel(cpb.CreateChannelRequest(
            workspace_id=ws, channel=cpb.Channel(
                channel_id="ig", type=cpb.CHANNEL_TYPE_INSTAGRAM, target_kind=AGENT,
                target_id="support"))),
        "DiffDraft": lambda: stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws)),
        "GetDraftSnapshot": lambda: stub.GetDraftSnapshot(
            cpb.GetDraftSnapshotRequest(workspace_id=ws)),
        "GetDraft": lambda: stub.GetDraft(cpb.GetDraftRequest(workspace_id=ws)),
        "ValidateDraft": lambda: stub.ValidateDraft(cpb.ValidateDraftRequest(workspace_id=ws)),
        "GetWorkspace": lambda: stub.GetWorkspace(cpb.GetWorkspaceRequest(workspace_id=ws)),
        "ListVersions": lambda: stub.ListVersions(cpb.ListVersionsRequest(workspace_id=ws)),
        "GetVersion": lambda: stub.GetVersion(cpb.GetVersionRequest(workspace_id=ws,
                                                                    version=1)),
        "GetProduction": lambda: stub.GetProduction(cpb.GetProductionRequest(
            workspace_id=ws)),
        "DiffVersions": lambda: stub.DiffVersions(cpb.DiffVersionsRequest(
            workspace_id=ws, from_version=1, to_version=1)),
        "ListChannels": lambda: stub.ListChannels(cpb.ListChannelsRequest(workspace_id=ws)),
        "GetRolloutStatus": lambda: stub.GetRolloutStatus(cpb.GetRolloutStatusRequest(
            workspace_id=ws)),
    }


@pytest.mark.parametrize("mode", ["fast", "immediate"])
async def test_postgres_stopped_is_unavailable_and_heals_by_itself(
        deployment: tuple[PostgresServer, RedisServer, ConfigHandle], ws_id: str,
        mode: str) -> None:
    postgres, _, handle = deployment
    stub = await _admin(handle, ws_id)
    support = await stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws_id, kind=AGENT, entity_id="support"))
    before = await _state(stub, ws_id)
    calls = _calls(stub, ws_id, support.entity.etag, support.draft_revision)

    await asyncio.to_thread(postgres.halt, mode)
    try:
        answers = {name: await refused(call()) for name, call in calls.items()}
    finally:
        await asyncio.to_thread(postgres.resume)
    expected = Refusal(grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE",
                       {"dependency": "postgres"}, 1.0)
    assert {n: a for n, a in answers.items() if a != expected} == {}

    # Back without a restart: the first call after Postgres returns is answered, and
    # nothing of what was refused was written, not even in part.
    assert await _state(stub, ws_id) == before
    edited = await calls["UpdateDraftEntity"]()
    published = await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=edited.draft_revision, message="back"))
    assert published.version.number == 2


async def test_a_crash_in_the_middle_of_edits_leaves_no_half_edit(
        deployment: tuple[PostgresServer, RedisServer, ConfigHandle], ws_id: str) -> None:
    """Postgres crashes (immediate stop) while editors are writing: every edit is whole
    or absent (each one bumps the revision and adds its entity in one transaction)."""
    postgres, _, handle = deployment
    stub = await _admin(handle, ws_id)
    base = (await stub.GetWorkspace(cpb.GetWorkspaceRequest(
        workspace_id=ws_id))).workspace.draft_revision

    async def create(i: int) -> grpc.StatusCode:
        await asyncio.sleep(i * 0.01)
        try:
            await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
                workspace_id=ws_id, entity=b.tool(f"burst-{i}")))
        except grpc.aio.AioRpcError as exc:
            return exc.code()
        return grpc.StatusCode.OK

    burst = asyncio.gather(*[create(i) for i in range(60)])
    await asyncio.sleep(0.2)
    await asyncio.to_thread(postgres.halt, "immediate")
    codes = await burst
    await asyncio.to_thread(postgres.resume)
    assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.UNAVAILABLE}
    assert grpc.StatusCode.UNAVAILABLE in codes and grpc.StatusCode.OK in codes
    draft = await stub.ListDraftEntities(cpb.ListDraftEntitiesRequest(
        workspace_id=ws_id, kind=pb.ENTITY_KIND_TOOL, page_size=500))
    present = {e.entity.id for e in draft.entities if e.entity.id.startswith("burst-")}
    answered_ok = {f"burst-{i}" for i, c in enumerate(codes) if c == grpc.StatusCode.OK}
    assert answered_ok <= present  # an edit answered OK is kept
    revision = (await stub.GetWorkspace(cpb.GetWorkspaceRequest(
        workspace_id=ws_id))).workspace.draft_revision
    assert revision == base + len(present)  # no revision without its entity, or back


async def test_redis_stopped_rollout_status_unavailable_publish_still_ok(
        deployment: tuple[PostgresServer, RedisServer, ConfigHandle], ws_id: str) -> None:
    _, redis, handle = deployment
    stub = await _admin(handle, ws_id)
    await stub.GetRolloutStatus(cpb.GetRolloutStatusRequest(workspace_id=ws_id))
    redis.stop()
    try:
        answer = await refused(stub.GetRolloutStatus(cpb.GetRolloutStatusRequest(
            workspace_id=ws_id)))
        assert answer == Refusal(grpc.StatusCode.UNAVAILABLE, "REDIS_UNAVAILABLE",
                                 {"dependency": "redis"}, 1.0)
        edit = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
            workspace_id=ws_id, entity=b.tool("while-redis-is-down")))
        published = await stub.PublishDraft(cpb.PublishDraftRequest(
            workspace_id=ws_id, reviewed_revision=edit.draft_revision, message="no redis"))
        assert published.version.number == 2  # the outbox relay announces it later
    finally:
        redis.start()  # same port
    status = await stub.GetRolloutStatus(cpb.GetRolloutStatusRequest(workspace_id=ws_id))
    assert status.production_version == 2


async def test_sqlite_locked_is_unavailable_and_heals_by_itself(tmp_path: Path,
                                                                ws_id: str) -> None:
    """The embedded store: another connection holds the write lock longer than the busy
    timeout (``?timeout=`` in the URL, seconds). Writes are UNAVAILABLE, reads go on (WAL),
    and the next write after the lock is released succeeds."""
    path = tmp_path / "embedded.db"
    handle = await start_config_service(f"sqlite+aiosqlite:///{path}?timeout=0.3")
    try:
        stub = handle.stub
        await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            answer = await refused(stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
                workspace_id=ws_id, entity=b.tool("locked-out"))))
            got = await stub.GetWorkspace(cpb.GetWorkspaceRequest(workspace_id=ws_id))
        finally:
            other.execute("ROLLBACK")
            other.close()
        assert answer == Refusal(grpc.StatusCode.UNAVAILABLE, "DATABASE_UNAVAILABLE",
                                 {"dependency": "sqlite"}, 1.0)
        assert got.workspace.draft_revision == 0
        created = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
            workspace_id=ws_id, entity=b.tool("after-the-lock")))
        assert created.draft_revision == 1
    finally:
        await handle.stop()


async def test_a_redis_that_never_answers_is_given_up_on() -> None:
    """Accepts the connection, never replies: the socket timeout (2 s) ends the wait."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        client = redis_client(f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        started = time.monotonic()
        try:
            with pytest.raises(Unavailable) as caught:
                await RedisRolloutReader(client).reports("ws")
        finally:
            await client.aclose()
    assert time.monotonic() - started < 4
    assert (caught.value.reason, caught.value.metadata) == ("REDIS_UNAVAILABLE",
                                                            {"dependency": "redis"})
