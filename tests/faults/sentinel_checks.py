"""What the Sentinel failover test reads and waits for: the world's processes pointed at
the sentinels, the moment every gateway serves a version, the moment the sentinels promote
the replica, the relay's pending moves, and what a replica reports it serves."""

from __future__ import annotations

import asyncio
import time

import grpc
from sqlalchemy import func, select

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from config_service.adapters.sql.engine import make_engine
from config_service.adapters.sql.tables import outbox
from tests.faults.world import OPERATOR, Gateway, auth
from tests.harness.processes import ServiceProcess
from tests.harness.sentinel import MASTER_NAME, SentinelGroup


def on_sentinels(process: ServiceProcess, group: SentinelGroup) -> ServiceProcess:
    """The world's process, told the sentinels and the master's name instead of a URL."""
    process.settings |= {"redis_url": "", "redis_sentinels": group.sentinels,
                         "redis_sentinel_master": MASTER_NAME}
    return process


async def all_serve(gateways: list[Gateway], version: int, since: float,
                    limit: float = 30.0) -> float:
    """The moment every gateway has read ``version`` (or newer) after ``since``."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        reached = [min((r.at for r in g.readings if r.at >= since and r.version >= version),
                       default=None) for g in gateways]
        if all(t is not None for t in reached):
            return max(t for t in reached if t is not None)
        await asyncio.sleep(0.01)
    raise AssertionError(f"v{version} not served everywhere within {limit}s: "
                         + "; ".join(f"{g.name}: {g.readings[-1:]}" for g in gateways))


async def promoted(group: SentinelGroup) -> float:
    """The moment the sentinels name the replica as the master."""
    while True:
        if await asyncio.to_thread(group.master_port) == group.ports["replica"]:
            return time.monotonic()
        await asyncio.sleep(0.02)


async def pending(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(select(func.count()).select_from(outbox).where(
                outbox.c.delivered_at.is_(None)))).scalar_one())
    finally:
        await engine.dispose()


async def replica_serves(process: ServiceProcess, ws: str) -> int:
    """The version GetReplicaStatus reports for ``ws``."""
    async with grpc.aio.insecure_channel(process.address) as channel:
        status = await rgrpc.RuntimeServiceStub(channel).GetReplicaStatus(
            rpb.GetReplicaStatusRequest(), metadata=auth(OPERATOR))
    return int(next(w.version for w in status.workspaces if w.workspace_id == ws))
