"""Issue 11, multi-process runtime: ``runtime-service`` with AGENTCONFIG_RUNTIME_WORKERS=2 as
a real process tree. Both workers answer on the one port and report to rollout status
under their own replica ids; a worker killed from outside is restarted (the documented
choice); SIGTERM stops every worker within the grace and the supervisor exits 0."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import grpc
import pytest

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from tests.harness import workspace
from tests.harness.processes import ServiceProcess
from tests.harness.servers import RedisServer, ServerUnavailable
from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
GRACE = 2.0


def _children(pid: int) -> dict[int, int]:
    """The supervisor's live workers: pid -> worker index."""
    found: dict[int, int] = {}
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:
            environ = Path(f"/proc/{child}/environ").read_bytes().split(b"\0")
        except OSError:
            continue
        for entry in environ:
            if entry.startswith(b"AGENTCONFIG_RUNTIME_WORKER_INDEX="):
                found[int(child)] = int(entry.split(b"=", 1)[1])
    return found


def _alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


async def _answering(address: str, ws: str, connections: int = 24) -> dict[str, int]:
    """Replica ids that answered over ``connections`` separate TCP connections (the kernel
    spreads connections, not calls, over the workers), with the version each served."""
    seen: dict[str, int] = {}
    for _ in range(connections):
        async with grpc.aio.insecure_channel(
                address, options=[("grpc.use_local_subchannel_pool", 1)]) as channel:
            stub = rgrpc.RuntimeServiceStub(channel)
            answer = await stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws, channel_id="web", context=rpb.ConversationContext(
                    tags=["vip"])), timeout=10)
            status = await stub.GetReplicaStatus(rpb.GetReplicaStatusRequest(), timeout=10)
            assert answer.agent.matched_conditional_prompt_ids == ["vip"]
            seen[status.replica_id] = answer.served_from.version
    return seen


async def _until_both_answer(address: str, ws: str) -> dict[str, int]:
    seen: dict[str, int] = {}
    deadline = time.monotonic() + 30  # a restarted worker takes a few seconds to bind
    while time.monotonic() < deadline:
        seen |= await _answering(address, ws)
        if {"wk-w1", "wk-w2"} <= seen.keys():
            return seen
        await asyncio.sleep(0.2)
    raise AssertionError(f"only {sorted(seen)} answered")


async def _rollout_replicas(config: ConfigHandle, ws: str) -> set[str]:
    for _ in range(100):
        status = await config.stub.GetRolloutStatus(cpb.GetRolloutStatusRequest(
            workspace_id=ws))
        ids = {r.replica_id for r in status.replicas if r.version == 1}
        if {"wk-w1", "wk-w2"} <= ids:
            return ids
        await asyncio.sleep(0.1)
    return ids


async def test_two_workers_one_port(config: ConfigHandle, redis_server: RedisServer,
                                    tmp_path: Path, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    runtime = ServiceProcess("runtime", {
        "workers": "2", "replica_id": "wk", "config_service": config.address,
        "redis_url": redis_server.url, "data_dir": str(tmp_path / "data"),
        "auth_required": "false", "report_seconds": "0.5",
        "shutdown_grace_seconds": str(GRACE)}, tmp_path / "runtime.log")
    await runtime.astart()
    assert runtime.proc is not None
    supervisor = runtime.proc
    try:
        assert await _until_both_answer(runtime.address, ws_id) == {"wk-w1": 1, "wk-w2": 1}
        assert await _rollout_replicas(config, ws_id) >= {"wk-w1", "wk-w2"}
        assert sorted((tmp_path / "data").iterdir()) == [tmp_path / "data" / "w1",
                                                        tmp_path / "data" / "w2"]

        # a worker killed from outside is restarted under the same replica id
        workers = _children(supervisor.pid)
        assert sorted(workers.values()) == [1, 2]
        killed = next(pid for pid, index in workers.items() if index == 2)
        os.kill(killed, signal.SIGKILL)
        for _ in range(100):
            workers = _children(supervisor.pid)
            if sorted(workers.values()) == [1, 2] and killed not in workers:
                break
            await asyncio.sleep(0.1)
        assert sorted(workers.values()) == [1, 2] and killed not in workers
        assert await _until_both_answer(runtime.address, ws_id) == {"wk-w1": 1, "wk-w2": 1}
        assert supervisor.poll() is None

        # SIGTERM stops every worker within the grace; the supervisor exits 0
        pids = list(_children(supervisor.pid))
        started = time.monotonic()
        supervisor.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(supervisor.wait, GRACE + 5) == 0
        assert time.monotonic() - started < GRACE + 5
        assert not any(_alive(pid) for pid in pids)
        assert "exited with -9" in runtime.log_text()
    finally:
        runtime.kill()


def test_workers_need_a_fixed_port(tmp_path: Path) -> None:
    runtime = ServiceProcess("runtime", {"workers": "2", "data_dir": str(tmp_path)},
                             tmp_path / "runtime.log", port=0)
    with pytest.raises(ServerUnavailable, match="exited with 1"):
        runtime.start(timeout=20)
    assert "workers share one port" in runtime.log_text()


def test_a_worker_that_cannot_start_stops_the_supervisor(tmp_path: Path) -> None:
    runtime = ServiceProcess("runtime", {
        "workers": "2", "data_dir": str(tmp_path), "auth_required": "false",
        "tls_cert_file": str(tmp_path / "missing.pem"),
        "tls_key_file": str(tmp_path / "missing.key")}, tmp_path / "runtime.log")
    with pytest.raises(ServerUnavailable, match="exited with 1"):
        runtime.start(timeout=90)
    assert "exited 3 times right after starting; stopping" in runtime.log_text()
