"""Issue 12, item 3: a scheduled publish runs exactly once with two config-service processes
when the one that claimed it is SIGKILLed mid-way, and a Draft edited after scheduling does
not change what is published.

"Mid-way" is made certain, not hoped for: the test holds an EXCLUSIVE lock on the versions
table, so the instance that claims the schedule (workspace lock taken, frozen content read,
validated) stops at its INSERT of the version; the test sees it waiting there, starts the
second instance, kills the first, and lets the lock go."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import schedules_pb2 as spb
from tests.harness import builders as b
from tests.harness import workspace
from tests.harness.processes import ServiceProcess
from tests.harness.servers import PostgresServer

pytestmark = [pytest.mark.postgres]
OPERATOR = "operator-" + "k" * 32
AUTH = (("authorization", f"Bearer {OPERATOR}"),)


def _config(root: Path, name: str, database: str) -> ServiceProcess:
    return ServiceProcess("config", {
        "database_url": database, "operator_key": OPERATOR, "service_key": "s" * 40,
        "schedule_tick_seconds": "0.2", "rollout_tick_seconds": "0"}, root / f"{name}.log")


async def _waiting_insert(conn: asyncpg.Connection, limit: float = 20.0) -> None:
    """Until a backend waits for the versions table: an instance is inside its transaction,
    at the version's INSERT."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await conn.fetchval("SELECT count(*) FROM pg_locks WHERE NOT granted AND "
                               "relation = 'versions'::regclass"):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("no instance reached the version INSERT")


async def _state(stub: cgrpc.ConfigServiceAsyncStub, ws: str) -> spb.Schedule:
    listed = await stub.ListSchedules(spb.ListSchedulesRequest(workspace_id=ws),
                                      metadata=AUTH, timeout=10)
    return listed.schedules[0]


async def test_a_schedule_runs_once_when_its_runner_dies_mid_way(
        postgres: PostgresServer, tmp_path: Path) -> None:
    database = await asyncio.to_thread(postgres.create_database,
                                       f"sched_{uuid.uuid4().hex[:8]}")
    first = await _config(tmp_path, "config-a", database).astart()
    second = _config(tmp_path, "config-b", database)
    raw = await asyncpg.connect(database.replace("postgresql+asyncpg", "postgresql"))
    channel = grpc.aio.insecure_channel(first.address)
    try:
        stub = cgrpc.ConfigServiceStub(channel)
        ws = f"sched-{uuid.uuid4().hex[:8]}"
        await workspace.seed(_Keyed(stub), ws)  # type: ignore[arg-type]
        billing = await stub.GetDraftEntity(cpb.GetDraftEntityRequest(
            workspace_id=ws, kind=pb.ENTITY_KIND_AGENT, entity_id="billing"), metadata=AUTH)
        edited = await stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
            workspace_id=ws, entity=b.agent("billing", name="Billing",
                                            instructions="Reviewed text."),
            etag=billing.entity.etag), metadata=AUTH)
        run_at = Timestamp()
        run_at.FromDatetime(datetime.now(UTC) + timedelta(seconds=1))
        await raw.execute("BEGIN")
        await raw.execute("LOCK TABLE versions IN EXCLUSIVE MODE")
        scheduled = (await stub.SchedulePublish(spb.SchedulePublishRequest(
            workspace_id=ws, reviewed_revision=edited.draft_revision, run_time=run_at,
            message="at one"), metadata=AUTH)).schedule
        await stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
            workspace_id=ws, entity=b.agent("billing", name="Billing",
                                            instructions="Edited after scheduling."),
            etag=edited.entity.etag), metadata=AUTH)
        await _waiting_insert(raw)  # the first instance is mid-way
        await second.astart()
        first.kill()
        await raw.execute("COMMIT")
        await channel.close()
        channel = grpc.aio.insecure_channel(second.address)
        stub = cgrpc.ConfigServiceStub(channel)
        deadline = time.monotonic() + 20
        while (state := await _state(stub, ws)).state == spb.SCHEDULE_STATE_PENDING:
            assert time.monotonic() < deadline, second.log_tail()
            await asyncio.sleep(0.1)
        assert (state.state, state.result_version) == (spb.SCHEDULE_STATE_DONE, 2)
        versions = await stub.ListVersions(cpb.ListVersionsRequest(workspace_id=ws),
                                           metadata=AUTH)
        assert [v.number for v in versions.versions] == [2, 1]
        assert versions.versions[0].content_hash == scheduled.content_hash
        draft = await stub.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(workspace_id=ws),
                                            metadata=AUTH)
        assert draft.snapshot.content_hash != scheduled.content_hash  # the later edit stayed
    finally:
        await channel.close()
        await raw.close()
        first.kill()
        second.terminate()


class _Keyed:
    """The stub with the operator key on every call (workspace.seed calls it plainly)."""

    def __init__(self, stub: cgrpc.ConfigServiceAsyncStub) -> None:
        self._stub = stub

    def __getattr__(self, name: str) -> object:
        method = getattr(self._stub, name)
        return lambda request, **kw: method(request, metadata=AUTH, **kw)
