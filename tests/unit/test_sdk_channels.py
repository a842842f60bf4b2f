"""The SDK's channels against a real grpc server on port 0 (a servicer of our own, no
database): reads are retried on UNAVAILABLE by the service config, writes are not, reads
get the default deadline, and the bearer key reaches the server from the sync and the
async channel alike."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
import pytest_asyncio

from agentconfig import errors
from agentconfig.client import ClientOptions, aconnect, connect, from_rpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc

Ctx = grpc.aio.ServicerContext[Any, Any]


class Flaky(rgrpc.RuntimeServiceServicer):
    """UNAVAILABLE for the first ``failures`` calls of each method, then an answer that
    names the caller's key."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: dict[str, int] = {}
        self.delay = 0.0

    async def _count(self, name: str, context: Ctx) -> str:
        self.calls[name] = self.calls.get(name, 0) + 1
        await asyncio.sleep(self.delay)
        if self.calls[name] <= self.failures:
            await context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")
        metadata: Any = context.invocation_metadata() or ()
        return str(dict(metadata).get("authorization", ""))

    async def GetReplicaStatus(self, request: rpb.GetReplicaStatusRequest,
                               context: Ctx) -> rpb.GetReplicaStatusResponse:
        return rpb.GetReplicaStatusResponse(replica_id=await self._count("status", context))

    async def ReportOutcomes(self, request: rpb.ReportOutcomesRequest,
                             context: Ctx) -> rpb.ReportOutcomesResponse:
        await self._count("report", context)
        return rpb.ReportOutcomesResponse()


@pytest_asyncio.fixture(loop_scope="session")
async def flaky() -> AsyncIterator[tuple[Flaky, str]]:
    servicer = Flaky(failures=2)  # type: ignore[abstract]
    server = grpc.aio.server()
    rgrpc.add_RuntimeServiceServicer_to_server(servicer, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield servicer, f"127.0.0.1:{port}"
    await server.stop(0)


async def test_reads_are_retried_and_carry_the_key(flaky: tuple[Flaky, str]) -> None:
    servicer, target = flaky
    async with aconnect(target, key="k-async") as channel:
        answer = await rgrpc.RuntimeServiceStub(channel).GetReplicaStatus(
            rpb.GetReplicaStatusRequest())
    assert answer.replica_id == "Bearer k-async"
    assert servicer.calls["status"] == 3  # two UNAVAILABLE, then the answer


async def test_writes_are_not_retried(flaky: tuple[Flaky, str]) -> None:
    servicer, target = flaky
    async with aconnect(target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await rgrpc.RuntimeServiceStub(channel).ReportOutcomes(rpb.ReportOutcomesRequest())
    assert servicer.calls["report"] == 1
    assert isinstance(from_rpc(caught.value), errors.Unavailable)


async def test_reads_get_the_default_deadline(flaky: tuple[Flaky, str]) -> None:
    servicer, target = flaky
    servicer.failures, servicer.delay = 0, 1.0
    async with aconnect(target, options=ClientOptions(read_timeout_seconds=0.2)) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await rgrpc.RuntimeServiceStub(channel).GetReplicaStatus(
                rpb.GetReplicaStatusRequest())
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


async def test_the_sync_channel_retries_and_carries_the_key(flaky: tuple[Flaky, str]) -> None:
    servicer, target = flaky
    servicer.calls.clear()

    def call() -> str:
        with connect(target, key="k-sync", user="gw") as channel:
            return rgrpc.RuntimeServiceStub(channel).GetReplicaStatus(
                rpb.GetReplicaStatusRequest()).replica_id

    assert await asyncio.to_thread(call) == "Bearer k-sync"
    assert servicer.calls["status"] == 3
