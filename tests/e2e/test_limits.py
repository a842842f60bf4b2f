"""Calls in flight are bounded: beyond the limit a call gets RESOURCE_EXHAUSTED at once
instead of waiting in an unbounded queue; and the server goes on serving afterwards."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_calls_beyond_the_in_flight_limit_are_refused(
        config: ConfigHandle, redis_server: RedisServer, tmp_path: Path, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    runtime = await start_runtime_service(config.address, redis_server.url, str(tmp_path),
                                          max_concurrent_rpcs=2)
    watches = []
    try:
        for _ in range(2):  # two long-lived streams fill the budget
            call = runtime.stub.WatchProduction(rpb.WatchProductionRequest(workspace_id=ws_id))
            await asyncio.wait_for(call.read(), 5)
            watches.append(call)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws_id, channel_id="wa"), timeout=5)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        for call in watches:
            call.cancel()
        watches.clear()
        for _ in range(50):  # the budget frees as the streams end
            try:
                answer = await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                    workspace_id=ws_id, channel_id="wa"))
                break
            except grpc.aio.AioRpcError as exc:
                assert exc.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
                await asyncio.sleep(0.05)
        assert answer.served_from.version == 1
    finally:
        for call in watches:
            call.cancel()
        await runtime.stop()
