"""Prometheus metrics: per-RPC counts by status code, the served version per workspace, and
the /metrics endpoint itself."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import grpc
import pytest
from prometheus_client import REGISTRY

from agentconfig.metrics import serve_metrics
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import workspace
from tests.harness.servers import RedisServer, free_port
from tests.harness.services import ConfigHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_calls_and_served_versions_are_counted(
        config: ConfigHandle, redis_server: RedisServer, tmp_path: Path, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    runtime = await start_runtime_service(config.address, redis_server.url, str(tmp_path))
    ok_before = _value("agentconfig_rpcs_total", method="ResolveChannel", code="OK")
    missing_before = _value("agentconfig_rpcs_total", method="ResolveChannel",
                            code="NOT_FOUND")
    try:
        for _ in range(3):
            await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws_id, channel_id="wa"))
        with pytest.raises(grpc.aio.AioRpcError):
            await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws_id, channel_id="nope"))
    finally:
        await runtime.stop()
    assert _value("agentconfig_rpcs_total", method="ResolveChannel", code="OK") \
        == ok_before + 3
    assert _value("agentconfig_rpcs_total", method="ResolveChannel", code="NOT_FOUND") \
        == missing_before + 1
    assert _value("agentconfig_runtime_served_version", workspace=ws_id) == 1
    assert _value("agentconfig_rpc_seconds_count", method="PublishDraft") >= 1


def test_the_metrics_endpoint_serves_text() -> None:
    port = free_port()
    serve_metrics(f"127.0.0.1:{port}")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    assert "agentconfig_rpcs_total" in body
