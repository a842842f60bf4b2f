"""Issue 11, the runtime's rows (not a test): prints, from one run,

1. runtime QPS with 2 worker processes ÷ 1 worker, next to the bare grpc.aio floor's 2
   processes ÷ 1 (floor_server.py, two on one port with SO_REUSEPORT), both driven by
   h2load, in alternating rounds; the per-round ratios' median and spread;
2. server CPU per ResolveChannel ÷ the floor's, for the same context every call and for a
   new one (benchmarks/server_cpu.py: floor and runtime driven at the same time and their
   CPU read from /proc over one window, by h2load and by load_client.py).

Real Postgres and Redis (tests/harness), a config service and the runtimes as separate
processes, authentication on (a channel key). Usage:
    .venv/bin/python -m benchmarks.scaling_bench [--seconds 5] [--rounds 5] [--calls 10000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from benchmarks import runtime_bench as rb
from benchmarks import server_cpu
from benchmarks.server_cpu import spread
from tests.harness.servers import RedisServer, free_port


def runtime(stack: ExitStack, config: str, redis: RedisServer, tmp: Path, workers: int,
            name: str = "") -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    name = f"{workers}{name}"
    proc = rb._spawn([str(rb.VENV / "runtime-service")], {
        "AGENTCONFIG_RUNTIME_LISTEN": f"127.0.0.1:{port}", "AGENTCONFIG_RUNTIME_WORKERS":
        str(workers), "AGENTCONFIG_RUNTIME_CONFIG_SERVICE": config,
        "AGENTCONFIG_RUNTIME_REDIS_URL": redis.url,
        "AGENTCONFIG_RUNTIME_DATA_DIR": str(tmp / f"runtime-{name}"),
        "AGENTCONFIG_RUNTIME_REPLICA_ID": f"scale-{name}",
        "AGENTCONFIG_RUNTIME_LOG_LEVEL": "WARNING",
        "AGENTCONFIG_RUNTIME_SERVICE_KEY": rb.SERVICE}, port, tmp / f"runtime-{name}.log")
    stack.callback(rb._stop, proc)
    address = f"127.0.0.1:{port}"
    _until_replicas(address, workers)
    return address, proc


def _until_replicas(address: str, count: int) -> None:
    """Every worker bound and answering (connections are spread over them)."""
    seen: set[str] = set()
    for _ in range(400):
        with grpc.insecure_channel(address, options=[
                ("grpc.use_local_subchannel_pool", 1)]) as channel:
            stub: Any = rgrpc.RuntimeServiceStub(channel)
            try:
                stub.ResolveChannel(rb.REQUEST, timeout=10, metadata=rb.auth("channel"))
                seen.add(stub.GetReplicaStatus(rpb.GetReplicaStatusRequest(), timeout=5,
                                               metadata=rb.auth("channel")).replica_id)
            except grpc.RpcError:
                pass
        if len(seen) >= count:
            return
        time.sleep(0.05)
    raise RuntimeError(f"only {sorted(seen)} of {count} workers answered")


def floor(stack: ExitStack, tmp: Path, response_file: Path, processes: int,
          ) -> tuple[str, list[int]]:
    port = free_port()
    pids = []
    for i in range(processes):
        proc = rb._spawn([sys.executable, "-m", "benchmarks.floor_server", str(port),
                          str(response_file)], {}, port, tmp / f"floor-{processes}-{i}.log")
        stack.callback(rb._stop, proc)
        pids.append(proc.pid)
        time.sleep(0.5)  # the port answers once the first binds: give the next its time
    return f"127.0.0.1:{port}", pids


def scaling(addresses: dict[str, str], seconds: int, rounds: int, tmp: Path) -> None:
    qps: dict[str, list[float]] = {name: [] for name in addresses}
    for _ in range(rounds):
        for name, address in addresses.items():
            qps[name].append(rb.h2load(address, seconds, tmp, name, connections=16,
                                       streams=8)[0])
    floor_ratio = [b / a for a, b in zip(qps["floor-1"], qps["floor-2"], strict=True)]
    run_ratio = [b / a for a, b in zip(qps["runtime-1"], qps["runtime-2"], strict=True)]
    print(f"\nQPS, 2 processes ÷ 1 (h2load -c16 -m8, {rounds} alternating rounds of "
          f"{seconds}s; median [min-max] of the per-round figures)")
    print(f"  {'':22}{'1 process':>12}{'2 processes':>14}   2 ÷ 1")
    for label, key in (("floor (bare grpc.aio)", "floor"), ("runtime (workers)", "runtime")):
        one, two = qps[f"{key}-1"], qps[f"{key}-2"]
        ratio = floor_ratio if key == "floor" else run_ratio
        print(f"  {label:22}{statistics.median(one):>12.0f}{statistics.median(two):>14.0f}"
              f"   {spread(ratio)}")
    relative = [r / f for r, f in zip(run_ratio, floor_ratio, strict=True)]
    print(f"  runtime's ratio ÷ floor's ratio: {spread(relative)} (target ≥ 0.9)")


def cpu(targets: list[server_cpu.Served], seconds: int, calls: int, rounds: int,
        tmp: Path) -> None:
    pairs = [("same context ÷ floor", "runtime, same context", "floor"),
             ("new context ÷ floor", "runtime, new context", "floor, new bodies")]
    h2 = [server_cpu.h2load_round(targets, seconds, tmp) for _ in range(rounds)]
    server_cpu.report(
        f"\nServer CPU per ResolveChannel, all four driven at once by h2load -c4 -m16 for "
        f"{seconds}s ({rounds} rounds; CPU time from /proc over one window; median "
        "[min-max] of the per-round ratios); new context: one the memo never holds", h2,
        pairs)
    clients = [t for t in targets if t.name != "floor, new bodies"]
    py = [server_cpu.client_round(clients, calls, f"r{n}") for n in range(rounds)]
    for r in py:
        r["floor, new bodies"] = r["floor"]
    server_cpu.report(
        f"\nThe same with a really new context every call: one load_client each (32 in "
        f"flight, {calls} calls), all at once", py, pairs)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=10_000)
    args = parser.parse_args()
    if shutil.which("h2load") is None:
        sys.exit("h2load not found: apt-get install nghttp2-client")
    tmp = Path(tempfile.mkdtemp(prefix="agentconfig-scaling-"))
    with ExitStack() as stack:
        redis, config = rb.seeded_stack(stack, tmp)
        one, one_proc = runtime(stack, config, redis, tmp, 1)
        two, _ = runtime(stack, config, redis, tmp, 2)
        other, other_proc = runtime(stack, config, redis, tmp, 1, "b")
        with grpc.insecure_channel(one) as channel:
            response = rgrpc.RuntimeServiceStub(channel).ResolveChannel(
                rb.REQUEST, timeout=10, metadata=rb.auth("channel"))
        response_file = tmp / "response.pb"
        response_file.write_bytes(response.SerializeToString())
        floors = {n: floor(stack, tmp, response_file, n) for n in (1, 2)}
        scaling({"floor-1": floors[1][0], "floor-2": floors[2][0], "runtime-1": one,
                 "runtime-2": two}, args.seconds, args.rounds, tmp)
        floor_b = floor(stack, tmp, response_file, 1)
        cpu([server_cpu.Served("floor", floors[1][0], floors[1][1][0]),
             server_cpu.Served("runtime, same context", one, one_proc.pid),
             server_cpu.Served("floor, new bodies", floor_b[0], floor_b[1][0], long=True),
             server_cpu.Served("runtime, new context", other, other_proc.pid, long=True)],
            args.seconds, args.calls, args.rounds, tmp)
    print(f"\n(machine: {os.cpu_count()} cores; h2load and the clients share them)")


if __name__ == "__main__":
    main()
