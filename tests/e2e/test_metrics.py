"""Prometheus metrics: per-RPC counts by status code and latency under go-grpc-prometheus's
names (what existing dashboards query), the served version per workspace, and the /metrics
endpoint itself."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import grpc
import pytest
from prometheus_client import REGISTRY

from agentconfig.metrics import GRPC_CODES, serve_metrics
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import workspace
from tests.harness.servers import RedisServer, free_port
from tests.harness.services import ConfigHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
RUNTIME = {"grpc_type": "unary", "grpc_service": "agentconfig.v1.RuntimeService",
           "grpc_method": "ResolveChannel"}


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def _counts() -> tuple[float, float, float, float]:
    return (_value("grpc_server_started_total", **RUNTIME),
            _value("grpc_server_handled_total", **RUNTIME, grpc_code="OK"),
            _value("grpc_server_handled_total", **RUNTIME, grpc_code="NotFound"),
            _value("grpc_server_handling_seconds_count", **RUNTIME))


async def test_calls_and_served_versions_are_counted(
        config: ConfigHandle, redis_server: RedisServer, tmp_path: Path, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    runtime = await start_runtime_service(config.address, redis_server.url, str(tmp_path))
    started, ok, missing, timed = _counts()
    try:
        for _ in range(3):
            await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws_id, channel_id="wa"))
        with pytest.raises(grpc.aio.AioRpcError):
            await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws_id, channel_id="nope"))
    finally:
        await runtime.stop()
    assert _counts() == (started + 4, ok + 3, missing + 1, timed + 4)
    assert _value("agentconfig_runtime_served_version", workspace=ws_id) == 1
    assert _value("grpc_server_handling_seconds_count", grpc_type="unary",
                  grpc_service="agentconfig.v1.ConfigService", grpc_method="PublishDraft") >= 1


def test_codes_are_spelled_as_go_grpc_prometheus_spells_them() -> None:
    """Dashboards and alert rules written for go-grpc-prometheus match Go's names."""
    assert [GRPC_CODES[c.name] for c in (grpc.StatusCode.OK, grpc.StatusCode.CANCELLED,
                                         grpc.StatusCode.NOT_FOUND,
                                         grpc.StatusCode.DEADLINE_EXCEEDED)] == [
        "OK", "Canceled", "NotFound", "DeadlineExceeded"]


def test_the_metrics_endpoint_serves_text() -> None:
    port = free_port()
    serve_metrics(f"127.0.0.1:{port}")
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        body = response.read().decode()
    assert "grpc_server_handled_total" in body
    assert "grpc_server_handling_seconds_bucket" in body
    assert "grpc_server_started_total" in body
