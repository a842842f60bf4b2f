"""Issue 11, the runtime's rows (not a test): prints, from one run,

1. runtime QPS with 2 worker processes ÷ 1 worker, next to the bare grpc.aio floor's 2
   processes ÷ 1 (floor_server.py, two on one port with SO_REUSEPORT), both driven by
   h2load, in alternating rounds; the per-round ratios' median and spread;
2. server CPU per ResolveChannel ÷ the floor's (the serving process's CPU time read from
   /proc around each round), for the same context every call and for a new one: first
   driven by h2load, whose body cannot vary, so the "new" context is one the memo never
   holds (a message longer than it keeps: every call converts and evaluates); then by
   load_client.py processes sending a really new message every call (fewer in flight:
   more CPU per call on both sides). Alternating rounds, medians and spread.

Real Postgres and Redis (tests/harness), a config service and the runtimes as separate
processes, authentication on (a channel key). Usage:
    .venv/bin/python -m benchmarks.scaling_bench [--seconds 6] [--rounds 3] [--calls 30000]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from benchmarks import runtime_bench as rb
from benchmarks.seed import seed_workspace
from tests.harness.servers import PostgresServer, RedisServer, free_port

CLIENTS, IN_FLIGHT = 2, 32  # load_client processes, calls in flight each


def runtime(stack: ExitStack, config: str, redis: RedisServer, tmp: Path, workers: int,
            ) -> tuple[str, subprocess.Popen[bytes]]:
    port = free_port()
    proc = rb._spawn([str(rb.VENV / "runtime-service")], {
        "AGENTCONFIG_RUNTIME_LISTEN": f"127.0.0.1:{port}", "AGENTCONFIG_RUNTIME_WORKERS":
        str(workers), "AGENTCONFIG_RUNTIME_CONFIG_SERVICE": config,
        "AGENTCONFIG_RUNTIME_REDIS_URL": redis.url,
        "AGENTCONFIG_RUNTIME_DATA_DIR": str(tmp / f"runtime-{workers}"),
        "AGENTCONFIG_RUNTIME_REPLICA_ID": f"scale-{workers}",
        "AGENTCONFIG_RUNTIME_LOG_LEVEL": "WARNING",
        "AGENTCONFIG_RUNTIME_SERVICE_KEY": rb.SERVICE}, port, tmp / f"runtime-{workers}.log")
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


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def cpu_per_call(address: str, pid: int, mode: str, calls: int, seed: str) -> float:
    """Microseconds of the server's CPU per answered call."""
    clients = [subprocess.Popen(
        [sys.executable, "-m", "benchmarks.load_client", address, mode, str(calls // CLIENTS),
         str(IN_FLIGHT), rb.KEYS["channel"], f"{seed}-{i}"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for i in range(CLIENTS)]
    for client in clients:
        assert client.stdout is not None and client.stdout.readline().strip() == "ready"
    before = cpu_seconds(pid)
    for client in clients:
        assert client.stdin is not None
        client.stdin.write("go\n")
        client.stdin.flush()
    answered = sum(int(client.communicate()[0].strip()) for client in clients)
    return (cpu_seconds(pid) - before) / answered * 1e6


def long_request() -> rpb.ResolveChannelRequest:
    """A context the memo never holds (its message is longer than the memo keeps), so
    every call converts the variables and evaluates the conditions: what a new context
    costs, in a body h2load can repeat."""
    request = rpb.ResolveChannelRequest()
    request.CopyFrom(rb.REQUEST)
    request.context.message = "hello " * 200
    return request


def h2load_cpu(address: str, pids: list[int], request: rpb.ResolveChannelRequest,
               calls: int, tmp: Path) -> float:
    """Microseconds of the servers' CPU per call answered, h2load -c8 -m16 -n ``calls``."""
    body = request.SerializeToString()
    frame = tmp / "cpu-request.grpc"
    frame.write_bytes(struct.pack(">BI", 0, len(body)) + body)
    before = sum(cpu_seconds(pid) for pid in pids)
    result = subprocess.run(
        ["h2load", "-c", "8", "-m", "16", "-t", "1", "-n", str(calls), "-d", str(frame),
         "-H", "content-type: application/grpc", "-H", "te: trailers",
         "-H", f"authorization: Bearer {rb.KEYS['channel']}",
         f"http://{address}/agentconfig.v1.RuntimeService/ResolveChannel"],
        capture_output=True, text=True, check=True)
    after = sum(cpu_seconds(pid) for pid in pids)
    line = next(x for x in result.stdout.splitlines() if x.startswith("requests:"))
    succeeded = int(line.split(",")[3].split()[0])
    return (after - before) / succeeded * 1e6


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


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


def _print_cpu(title: str, runs: dict[str, list[float]]) -> None:
    print(title)
    print(f"  {'floor (bare grpc.aio)':36}{statistics.median(runs['floor']):>8.1f} us")
    for label, key, base in (("runtime, the same context", "same", "floor"),
                             ("runtime, a new context every call", "new", "floor-new")):
        ratios = [r / f for r, f in zip(runs[key], runs[base], strict=True)]
        print(f"  {label:36}{statistics.median(runs[key]):>8.1f} us   ÷ floor "
              f"{spread(ratios)}")


def cpu(runtime: tuple[str, int], floor_at: tuple[str, int], calls: int, rounds: int,
        tmp: Path) -> None:
    (address, pid), (floor_address, floor_pid) = runtime, floor_at
    h2: dict[str, list[float]] = {"floor": [], "same": [], "floor-new": [], "new": []}
    py: dict[str, list[float]] = {"floor": [], "same": [], "new": []}
    for n in range(rounds):
        h2["floor"].append(h2load_cpu(floor_address, [floor_pid], rb.REQUEST, calls, tmp))
        h2["same"].append(h2load_cpu(address, [pid], rb.REQUEST, calls, tmp))
        h2["floor-new"].append(h2load_cpu(floor_address, [floor_pid], long_request(), calls,
                                          tmp))
        h2["new"].append(h2load_cpu(address, [pid], long_request(), calls, tmp))
        py["floor"].append(cpu_per_call(floor_address, floor_pid, "same", calls // 2, "f"))
        py["same"].append(cpu_per_call(address, pid, "same", calls // 2, "s"))
        py["new"].append(cpu_per_call(address, pid, "new", calls // 2, f"n{n}"))
    py["floor-new"] = py["floor"]
    _print_cpu(f"\nServer CPU per ResolveChannel, h2load -c8 -m16 -n {calls} ({rounds} "
               "alternating rounds; CPU time of the serving process from /proc; median "
               "[min-max]); the new context is one the memo never holds (a 1,200-character "
               "message), the floor answering the same bodies", h2)
    _print_cpu(f"\nThe same with a really new context every call: {CLIENTS} load_client "
               f"processes x {IN_FLIGHT} in flight, {calls // 2} calls (fewer in flight than "
               "h2load, so more CPU per call on both sides)", py)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--calls", type=int, default=40_000)
    args = parser.parse_args()
    if shutil.which("h2load") is None:
        sys.exit("h2load not found: apt-get install nghttp2-client")
    tmp = Path(tempfile.mkdtemp(prefix="agentconfig-scaling-"))
    with ExitStack() as stack:
        pg = PostgresServer().start()
        stack.callback(pg.stop)
        redis = RedisServer().start()
        stack.callback(redis.stop)
        config = rb.start_config(stack, pg, redis, tmp)
        with grpc.insecure_channel(config) as channel:
            admin: Any = cgrpc.ConfigServiceStub(channel)
            seed_workspace(admin, rb.WS, rb.auth())
            rb.KEYS["channel"] = admin.CreateApiKey(cpb.CreateApiKeyRequest(
                workspace_id=rb.WS, role=cpb.ROLE_CHANNEL, display_name="bench gateway"),
                metadata=rb.auth()).secret
        one, one_proc = runtime(stack, config, redis, tmp, 1)
        two, _ = runtime(stack, config, redis, tmp, 2)
        with grpc.insecure_channel(one) as channel:
            response = rgrpc.RuntimeServiceStub(channel).ResolveChannel(
                rb.REQUEST, timeout=10, metadata=rb.auth("channel"))
        response_file = tmp / "response.pb"
        response_file.write_bytes(response.SerializeToString())
        floors = {n: floor(stack, tmp, response_file, n) for n in (1, 2)}
        scaling({"floor-1": floors[1][0], "floor-2": floors[2][0], "runtime-1": one,
                 "runtime-2": two}, args.seconds, args.rounds, tmp)
        cpu((one, one_proc.pid), (floors[1][0], floors[1][1][0]), args.calls, args.rounds,
            tmp)
    print(f"\n(machine: {os.cpu_count()} cores; h2load and the clients share them)")


if __name__ == "__main__":
    main()
