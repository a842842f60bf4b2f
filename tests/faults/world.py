"""The topology the fault matrix breaks: its own Postgres and Redis (so they can be stopped
without disturbing other tests), one config service and two runtime replicas as real
processes with authentication on, a published workspace, and a gateway reading each
replica continuously with a channel key. Every answer is kept, so each fault can be judged
afterwards: no failed read on a replica that is up, no replica going backwards, and the
time from healing to every replica serving the newest version."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from tests.harness import workspace
from tests.harness.processes import ServiceProcess
from tests.harness.servers import PostgresServer, RedisServer

OPERATOR = "operator-" + uuid.uuid4().hex
SERVICE = "service-" + uuid.uuid4().hex
RECONCILE = 1.0  # seconds: the replicas' reconcile interval; the bound is this + 1 s
BOUND = RECONCILE + 1.0
READ_EVERY = 0.01
FIGURES: list[tuple[str, str]] = []  # (fault, measured): printed after the run


def auth(key: str) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {key}"),)


@dataclass
class Reading:
    at: float
    replica: str
    code: grpc.StatusCode
    version: int
    detail: str = ""


@dataclass
class Gateway:
    """Reads ResolveChannel from one replica as a channel gateway does, until stopped;
    paused while its replica is deliberately down."""

    name: str
    address: str
    key: str
    workspace_id: str
    readings: list[Reading] = field(default_factory=list)
    paused: bool = False
    _task: asyncio.Task[None] | None = None
    _reopen: bool = False

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        """After its replica was restarted: a new connection, as a load balancer would
        open to a replica that became healthy (not one waiting out a reconnect backoff)."""
        self._reopen = True
        self.paused = False

    async def _run(self) -> None:
        channel = grpc.aio.insecure_channel(self.address)
        request = rpb.ResolveChannelRequest(workspace_id=self.workspace_id, channel_id="web")
        try:
            while True:
                await asyncio.sleep(READ_EVERY)
                if self._reopen:
                    self._reopen = False
                    await channel.close()
                    channel = grpc.aio.insecure_channel(self.address)
                if not self.paused:
                    await self._read(rgrpc.RuntimeServiceStub(channel), request)
        finally:
            await channel.close()

    async def _read(self, stub: Any, request: rpb.ResolveChannelRequest) -> None:
        try:
            answer = await stub.ResolveChannel(request, metadata=auth(self.key), timeout=2)
        except grpc.aio.AioRpcError as exc:
            if not self.paused:  # a call cut by a deliberate kill is not a failure
                self.readings.append(Reading(time.monotonic(), self.name, exc.code(), 0,
                                             exc.details() or ""))
            return
        self.readings.append(Reading(time.monotonic(), self.name, grpc.StatusCode.OK,
                                     answer.served_from.version))

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)


@dataclass
class World:
    root: Path
    postgres: PostgresServer
    redis: RedisServer
    config: ServiceProcess
    replicas: dict[str, ServiceProcess]
    gateways: dict[str, Gateway]
    workspace_id: str
    channel_key: str
    stub: Any  # ConfigService, with the operator key added to every call
    _channel: grpc.aio.Channel

    # faults -------------------------------------------------------------------------------
    async def restart_config(self) -> float:
        """Start the config service again on its port; the moment it is healthy."""
        await self.config.astart()
        return time.monotonic()

    def replica(self, name: str) -> ServiceProcess:
        return self.replicas[name]

    # checks -------------------------------------------------------------------------------
    def failures(self, since: float) -> list[Reading]:
        return [r for g in self.gateways.values() for r in g.readings
                if r.at >= since and r.code != grpc.StatusCode.OK]

    def backwards(self) -> list[tuple[Reading, Reading]]:
        out = []
        for gateway in self.gateways.values():
            served = [r for r in gateway.readings if r.code == grpc.StatusCode.OK]
            out += [(a, b) for a, b in itertools.pairwise(served)
                    if b.version < a.version]
        return out

    async def served_everywhere(self, version: int, since: float, limit: float = 30.0,
                                ) -> float:
        """Seconds from ``since`` until every gateway has read ``version`` (or newer)."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            reached = [min((r.at for r in g.readings if r.version >= version and r.at >= since),
                           default=None) for g in self.gateways.values() if not g.paused]
            if reached and all(t is not None for t in reached):
                return max(t for t in reached if t is not None) - since
            await asyncio.sleep(0.01)
        raise AssertionError(f"v{version} not served by every replica within {limit}s: "
                             + "; ".join(f"{n}: {g.readings[-1:]}"
                                         for n, g in self.gateways.items()))

    async def publish(self, instructions: str) -> int:
        version: cpb.Version = await workspace.publish_all(
            self.stub, self.workspace_id, workspace.entities(instructions), instructions)
        return int(version.number)

    async def versions(self) -> list[int]:
        listed = await self.stub.ListVersions(cpb.ListVersionsRequest(
            workspace_id=self.workspace_id, page_size=100))
        return sorted(v.number for v in listed.versions)

    def logs(self) -> str:
        return "\n".join(p.log_text() for p in [self.config, *self.replicas.values()])


class _Keyed:
    """The config service stub with the operator key on every call."""

    def __init__(self, stub: Any) -> None:
        self._stub = stub

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._stub, name)
        return lambda request, **kw: method(request, metadata=auth(OPERATOR), timeout=15,
                                            wait_for_ready=True, **kw)


def config_process(root: Path, database_url: str, redis_url: str) -> ServiceProcess:
    return ServiceProcess("config", {
        "database_url": database_url, "redis_url": redis_url, "operator_key": OPERATOR,
        "service_key": SERVICE, "relay_interval_seconds": "0.2"}, root / "config.log")


def runtime_process(root: Path, name: str, config_address: str, redis_url: str,
                    ) -> ServiceProcess:
    return ServiceProcess("runtime", {
        "config_service": config_address, "redis_url": redis_url, "service_key": SERVICE,
        "operator_key": OPERATOR, "data_dir": str(root / name), "replica_id": name,
        "reconcile_seconds": str(RECONCILE), "report_seconds": "1"}, root / f"{name}.log")


async def build(root: Path) -> World:
    postgres = await asyncio.to_thread(PostgresServer().start)
    redis = await asyncio.to_thread(RedisServer().start)
    database = await asyncio.to_thread(postgres.create_database, "faults")
    config = await config_process(root, database, redis.url).astart()
    channel = grpc.aio.insecure_channel(config.address)
    stub = _Keyed(cgrpc.ConfigServiceStub(channel))
    ws = f"faults-{uuid.uuid4().hex[:8]}"
    await workspace.seed(stub, ws)  # type: ignore[arg-type]
    created = await stub.CreateApiKey(cpb.CreateApiKeyRequest(
        workspace_id=ws, role=cpb.ROLE_CHANNEL, display_name="gateway", channel_ids=["web"]))
    replicas = {name: await runtime_process(root, name, config.address, redis.url).astart()
                for name in ("r1", "r2")}
    gateways = {name: Gateway(name, p.address, created.secret, ws)
                for name, p in replicas.items()}
    for gateway in gateways.values():
        gateway.start()
    world = World(root, postgres, redis, config, replicas, gateways, ws, created.secret, stub,
                  channel)
    await world.served_everywhere(1, 0.0)  # every gateway answered once before any fault
    return world


async def tear_down(world: World) -> None:
    for gateway in world.gateways.values():
        await gateway.stop()
    await world._channel.close()
    for process in [*world.replicas.values(), world.config]:
        process.terminate()
    world.redis.stop()
    world.postgres.stop()
