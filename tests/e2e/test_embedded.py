"""The embedded default (the README's run command runs it): one process, SQLite, in-process
bus, the demo workspace seeded once, a resolve answered from memory, Ctrl-C stops it."""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from pathlib import Path

import grpc
import pytest

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc

DEV = str(Path(sys.executable).parent / "agentconfig-dev")


async def _start(data_dir: Path) -> tuple[asyncio.subprocess.Process, str, str, str]:
    proc = await asyncio.create_subprocess_exec(
        DEV, "--data-dir", str(data_dir), "--config-listen", "127.0.0.1:0",
        "--runtime-listen", "127.0.0.1:0", stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    banner = ""
    while "Ctrl-C stops" not in banner:
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line, f"agentconfig-dev exited early: {banner}"
        banner += line.decode()
    config = re.search(r"config service\s+(\S+)", banner)
    runtime = re.search(r"runtime service\s+(\S+)", banner)
    assert config and runtime
    return proc, config.group(1), runtime.group(1), banner


async def _stop(proc: asyncio.subprocess.Process) -> int:
    proc.send_signal(signal.SIGINT)
    return await asyncio.wait_for(proc.wait(), 20)


async def test_embedded_mode_serves_the_demo(tmp_path: Path) -> None:
    proc, config, runtime, banner = await _start(tmp_path)
    try:
        assert "seeded now" in banner
        key = (tmp_path / "operator.key").read_text().strip()
        assert key in banner  # the ready key, printed on first start
        metadata = (("authorization", f"Bearer {key}"),)
        async with grpc.aio.insecure_channel(runtime) as channel:
            stub = rgrpc.RuntimeServiceStub(channel)
            request = rpb.ResolveChannelRequest(
                workspace_id="demo", channel_id="web",
                context=rpb.ConversationContext(message="I want a refund", tags=["vip"]))
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await stub.ResolveChannel(request)
            assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
            answer = await stub.ResolveChannel(request, metadata=metadata)
        assert answer.agent.agent_id == "refunds"
        assert answer.served_from.version == 1
        assert answer.agent.matched_conditional_prompt_ids == ["vip"]
        async with grpc.aio.insecure_channel(config) as channel:
            cstub = cgrpc.ConfigServiceStub(channel)
            for _ in range(100):
                status = await cstub.GetRolloutStatus(cpb.GetRolloutStatusRequest(
                    workspace_id="demo"), metadata=metadata)
                if status.live_replicas == 1:
                    break
                await asyncio.sleep(0.05)
        assert (status.production_version, status.live_replicas, status.total_replicas) == (
            1, 1, 1)
        probe = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agentconfig.healthcheck", runtime,
            "agentconfig.v1.RuntimeService")
        assert await probe.wait() == 0
    finally:
        assert await _stop(proc) == 0
    # a second start finds its data and does not seed again; the replica has reported
    # what it serves from disk by the time the banner shows (never "0 of 0 replicas")
    proc, config, _, banner = await _start(tmp_path)
    try:
        assert "already there" in banner and key not in banner
        async with grpc.aio.insecure_channel(config) as channel:
            status = await cgrpc.ConfigServiceStub(channel).GetRolloutStatus(
                cpb.GetRolloutStatusRequest(workspace_id="demo"), metadata=metadata)
        assert (status.production_version, status.live_replicas, status.total_replicas) == (
            1, 1, 1)
    finally:
        assert await _stop(proc) == 0
