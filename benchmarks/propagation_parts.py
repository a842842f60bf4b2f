"""The pieces propagation_bench.py measures with: processes, seeding, the publish it times,
the replicas' streams, the Redis pub/sub floor, an event-loop stall probe and h2load."""

from __future__ import annotations

import asyncio
import os
import secrets
import struct
import subprocess
import sys
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc
import redis.asyncio as aioredis

from agentconfig.bus import NOTIFY_CHANNEL, ProductionMove
from agentconfig.kinds import entity_from_parts
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from benchmarks.publish_bench import entity
from tests.harness.servers import PostgresServer, RedisServer, _wait_for_port, free_port

VENV = Path(sys.executable).parent
OPERATOR = secrets.token_urlsafe(24)
SERVICE = secrets.token_urlsafe(24)
RATE = 1000  # ResolveChannel requests per second in row 3: a load, not a saturation
CHANGED = 20  # the agent each publish changes (entity(20) is agent a-20)


def ws(size: int) -> str:
    return f"prop-{size}"


def auth() -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {OPERATOR}"),)


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _spawn(stack: ExitStack, args: list[str], env: dict[str, str], log: Path) -> str:
    port = free_port()
    out = log.open("wb")
    proc = subprocess.Popen(args, env={**os.environ, **{
        k: v.replace("{port}", str(port)) for k, v in env.items()}}, stdout=out, stderr=out)
    _wait_for_port(port, 60, proc)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    stack.callback(stop)
    return f"127.0.0.1:{port}"


def start_config(stack: ExitStack, pg: PostgresServer, redis: RedisServer, tmp: Path) -> str:
    return _spawn(stack, [str(VENV / "config-service"), "serve"], {
        "AGENTCONFIG_DATABASE_URL": pg.create_database("propagation"),
        "AGENTCONFIG_REDIS_URL": redis.url, "AGENTCONFIG_LISTEN": "127.0.0.1:{port}",
        "AGENTCONFIG_LOG_LEVEL": "WARNING", "AGENTCONFIG_OPERATOR_KEY": OPERATOR,
        "AGENTCONFIG_SERVICE_KEY": SERVICE,
        "AGENTCONFIG_MAX_MESSAGE_BYTES": str(16 * 1024 * 1024)}, tmp / "config.log")


def start_runtime(stack: ExitStack, config: str, redis: RedisServer, tmp: Path, i: int) -> str:
    return _spawn(stack, [str(VENV / "runtime-service")], {
        "AGENTCONFIG_RUNTIME_LISTEN": "127.0.0.1:{port}",
        "AGENTCONFIG_RUNTIME_CONFIG_SERVICE": config, "AGENTCONFIG_RUNTIME_REDIS_URL": redis.url,
        "AGENTCONFIG_RUNTIME_DATA_DIR": str(tmp / f"runtime-{i}"),
        "AGENTCONFIG_RUNTIME_REPLICA_ID": f"prop-{i}", "AGENTCONFIG_RUNTIME_LOG_LEVEL": "WARNING",
        "AGENTCONFIG_RUNTIME_SERVICE_KEY": SERVICE, "AGENTCONFIG_RUNTIME_AUTH_REQUIRED": "false",
        "AGENTCONFIG_RUNTIME_WORKERS": "1"}, tmp / f"runtime-{i}.log")


def _entities(size: int, text: str = "v0") -> list[pb.Entity]:
    out = []
    for i in range(size):
        made = entity(i, text)
        out.append(entity_from_parts(made.kind, made.entity_id, made.spec))
    return out


def seed(stub: Any, size: int) -> None:
    stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws(size)), metadata=auth())
    items = _entities(size)
    for start in range(0, size, 2500):
        applied = stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
            workspace_id=ws(size), entities=items[start:start + 2500]), metadata=auth(),
            timeout=120)
    stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws(size), message="v1", reviewed_revision=applied.draft_revision),
        metadata=auth(), timeout=120)
    stub.CreateChannel(cpb.CreateChannelRequest(workspace_id=ws(size), channel=cpb.Channel(
        channel_id="web", type=cpb.CHANNEL_TYPE_WEB_WIDGET, target_kind=pb.ENTITY_KIND_AGENT,
        target_id=f"a-{CHANGED}")), metadata=auth())


def _change(size: int, text: str) -> cpb.ApplyDraftEntitiesRequest:
    made = entity(CHANGED, text)
    return cpb.ApplyDraftEntitiesRequest(workspace_id=ws(size), entities=[
        entity_from_parts(made.kind, made.entity_id, made.spec)])


async def publish_async(stub: Any, size: int, text: str) -> tuple[int, float]:
    """Publish a one-agent change; the version and when PublishDraft returned."""
    applied = await stub.ApplyDraftEntities(_change(size, text), metadata=auth())
    published = await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws(size), message=text, reviewed_revision=applied.draft_revision,
        request_id=uuid.uuid4().hex), metadata=auth())
    return int(published.version.number), time.perf_counter()


def publish_sync(stub: Any, size: int, text: str) -> None:
    applied = stub.ApplyDraftEntities(_change(size, text), metadata=auth())
    stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws(size), message=text, reviewed_revision=applied.draft_revision,
        request_id=uuid.uuid4().hex), metadata=auth())


class LoopProbe:
    """How late a 1 ms sleep wakes, at worst: the longest stall of the loop it runs in."""

    def __init__(self) -> None:
        self.worst = 0.0

    async def run(self) -> None:
        while True:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            self.worst = max(self.worst, time.perf_counter() - start - 0.001)


class Watchers:
    """A WatchProduction stream per replica; when each first streamed each version."""

    def __init__(self, replicas: list[str], workspace_id: str) -> None:
        self._replicas = replicas
        self._ws = workspace_id
        self._seen: dict[tuple[int, int], float] = {}
        self._changed = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._watch(i, a))
                       for i, a in enumerate(self._replicas)]
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(
                lambda: {i for i, _ in self._seen} == set(range(len(self._replicas)))), 60)

    async def _watch(self, index: int, address: str) -> None:
        async with grpc.aio.insecure_channel(address) as channel:
            stream = rgrpc.RuntimeServiceStub(channel).WatchProduction(
                rpb.WatchProductionRequest(workspace_id=self._ws))
            async for update in stream:
                at = time.perf_counter()
                async with self._changed:
                    self._seen.setdefault((index, update.served_from.version), at)
                    self._changed.notify_all()

    async def all_serving(self, version: int) -> float:
        wanted = [(i, version) for i in range(len(self._replicas))]
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(
                lambda: all(w in self._seen for w in wanted)), 10)
        return max(self._seen[w] for w in wanted)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)


class PubSubFloor:
    """Redis pub/sub to ``count`` subscribers (separate connections): PUBLISH -> the last
    subscriber has the message."""

    def __init__(self, url: str, count: int) -> None:
        self._url, self._count = url, count
        self._clients: list[aioredis.Redis] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._arrivals: list[float] = []
        self._all = asyncio.Event()

    async def start(self) -> None:
        for _ in range(self._count):
            client = aioredis.Redis.from_url(self._url)
            pubsub = client.pubsub()
            await pubsub.subscribe("bench:floor")
            self._clients.append(client)
            self._tasks.append(asyncio.create_task(self._listen(pubsub)))

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                self._arrivals.append(time.perf_counter())
                if len(self._arrivals) == self._count:
                    self._all.set()

    async def once(self) -> float:
        self._arrivals.clear()
        self._all.clear()
        sent = time.perf_counter()
        await self._clients[0].publish("bench:floor", "x")
        await asyncio.wait_for(self._all.wait(), 5)
        return (max(self._arrivals) - sent) * 1000

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for client in self._clients:
            await client.aclose()


class NoticeClock:
    """When each production notice of a workspace reached a Redis subscriber: the part of
    the propagation that is the relay's."""

    def __init__(self, url: str, workspace_id: str) -> None:
        self._client = aioredis.Redis.from_url(url)
        self._ws = workspace_id
        self.seen: dict[int, float] = {}
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        pubsub = self._client.pubsub()
        await pubsub.subscribe(NOTIFY_CHANNEL)
        self._task = asyncio.create_task(self._listen(pubsub))

    async def _listen(self, pubsub: Any) -> None:
        async for message in pubsub.listen():
            if message["type"] == "message":
                move = ProductionMove.from_json(message["data"])
                if move.workspace_id == self._ws:
                    self.seen.setdefault(move.version, time.perf_counter())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._client.aclose()


def _request(size: int) -> rpb.ResolveChannelRequest:
    return rpb.ResolveChannelRequest(workspace_id=ws(size), channel_id="web",
                                     context=rpb.ConversationContext(locale="en"))


def warm(address: str, size: int) -> None:
    with grpc.insecure_channel(address) as channel:
        stub: Any = rgrpc.RuntimeServiceStub(channel)
        stub.ResolveChannel(_request(size), timeout=60)


def h2load(address: str, size: int, seconds: int, tmp: Path) -> list[float]:
    """Per-request latencies (ms) of ResolveChannel at RATE requests per second."""
    body = _request(size).SerializeToString()
    frame = tmp / "resolve.grpc"
    frame.write_bytes(struct.pack(">BI", 0, len(body)) + body)
    log = tmp / "resolve.h2load.tsv"
    clients = 4
    subprocess.run(
        ["h2load", "-c", str(clients), "-m", "1", "-t", "1", "--rps", str(RATE // clients),
         "-D", str(seconds), "--warm-up-time=1", "-d", str(frame),
         "-H", "content-type: application/grpc", "-H", "te: trailers", "--log-file", str(log),
         f"http://{address}/agentconfig.v1.RuntimeService/ResolveChannel"],
        capture_output=True, text=True, check=True)
    return [int(row.split("\t")[2]) / 1000 for row in log.read_text().splitlines() if row]
