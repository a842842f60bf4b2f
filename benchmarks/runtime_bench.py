"""Runtime benchmarks (not a test): prints figures from one run.

1. Resolve throughput and latency: h2load (gRPC framing by hand) drives ResolveChannel on
   a runtime process (authentication on: a channel key, as a gateway would send it), then
   on a bare grpc.aio server answering a prebuilt response of the
   same size (the floor), in alternating rounds. Reported as median QPS, p50/p99 and
   ratios runtime/floor.
2. Propagation: time from sending PublishDraft until each runtime replica serves the new
   version (observed through WatchProduction streams), with 1 and 4 replicas.

Real Postgres and Redis are started on free ports (tests/harness). Usage:
    .venv/bin/python -m benchmarks.runtime_bench [--seconds 10] [--publishes 40]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from benchmarks.seed import publish_change, seed_workspace
from tests.harness.servers import PostgresServer, RedisServer, _wait_for_port, free_port

VENV = Path(sys.executable).parent
WS = "bench"
OPERATOR = secrets.token_urlsafe(24)
SERVICE = secrets.token_urlsafe(24)
KEYS: dict[str, str] = {}  # role -> key, made once the config service is up


def auth(role: str = "operator") -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {OPERATOR if role == 'operator' else KEYS[role]}"),)
REQUEST = rpb.ResolveChannelRequest(
    workspace_id=WS, channel_id="web",
    context=rpb.ConversationContext(tags=["vip"], locale="pt-BR", message="hello"))


def _spawn(args: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    proc = subprocess.Popen(args, env={**os.environ, **env}, stdout=out, stderr=out)
    _wait_for_port(port, 30, proc)
    return proc


def start_config(stack: ExitStack, pg: PostgresServer, redis: RedisServer, tmp: Path) -> str:
    port = free_port()
    proc = _spawn([str(VENV / "config-service"), "serve"], {
        "AGENTCONFIG_DATABASE_URL": pg.create_database("bench"),
        "AGENTCONFIG_REDIS_URL": redis.url, "AGENTCONFIG_LISTEN": f"127.0.0.1:{port}",
        "AGENTCONFIG_RELAY_INTERVAL_SECONDS": "1", "AGENTCONFIG_LOG_LEVEL": "WARNING",
        "AGENTCONFIG_OPERATOR_KEY": OPERATOR, "AGENTCONFIG_SERVICE_KEY": SERVICE},
        port, tmp / "config.log")
    stack.callback(_stop, proc)
    return f"127.0.0.1:{port}"


def seeded_stack(stack: ExitStack, tmp: Path) -> tuple[RedisServer, str]:
    """Postgres, Redis and a config service (stopped with ``stack``), the bench workspace
    seeded through the API, and a gateway's channel key in KEYS["channel"]."""
    pg = PostgresServer().start()
    stack.callback(pg.stop)
    redis = RedisServer().start()
    stack.callback(redis.stop)
    config = start_config(stack, pg, redis, tmp)
    with grpc.insecure_channel(config) as channel:
        admin: Any = cgrpc.ConfigServiceStub(channel)
        seed_workspace(admin, WS, auth())
        KEYS["channel"] = admin.CreateApiKey(cpb.CreateApiKeyRequest(
            workspace_id=WS, role=cpb.ROLE_CHANNEL, display_name="bench gateway"),
            metadata=auth()).secret
    return redis, config


def start_runtime(stack: ExitStack, config: str, redis: RedisServer, tmp: Path, i: int) -> str:
    port = free_port()
    proc = _spawn([str(VENV / "runtime-service")], {
        "AGENTCONFIG_RUNTIME_LISTEN": f"127.0.0.1:{port}",
        "AGENTCONFIG_RUNTIME_CONFIG_SERVICE": config, "AGENTCONFIG_RUNTIME_REDIS_URL": redis.url,
        "AGENTCONFIG_RUNTIME_DATA_DIR": str(tmp / f"runtime-{i}"),
        "AGENTCONFIG_RUNTIME_REPLICA_ID": f"bench-{i}", "AGENTCONFIG_RUNTIME_LOG_LEVEL": "WARNING",
        "AGENTCONFIG_RUNTIME_SERVICE_KEY": SERVICE},
        port, tmp / f"runtime-{i}.log")
    stack.callback(_stop, proc)
    return f"127.0.0.1:{port}"


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def h2load(address: str, seconds: int, tmp: Path, name: str, connections: int = 8,
           streams: int = 16) -> tuple[float, list[float]]:
    """QPS and per-request latencies (ms) of ResolveChannel against ``address``."""
    body = REQUEST.SerializeToString()
    frame = tmp / "request.grpc"
    frame.write_bytes(struct.pack(">BI", 0, len(body)) + body)
    log = tmp / f"{name}.h2load.tsv"
    result = subprocess.run(
        ["h2load", "-c", str(connections), "-m", str(streams), "-t", "1", "-D", str(seconds),
         "--warm-up-time=2", "-d", str(frame), "-H", "content-type: application/grpc",
         "-H", "te: trailers",
         "-H", f"authorization: Bearer {KEYS['channel']}",
         "--log-file", str(log), f"http://{address}/agentconfig.v1.RuntimeService/ResolveChannel"],
        capture_output=True, text=True, check=True)
    qps = next(float(line.split()[3]) for line in result.stdout.splitlines()
               if line.startswith("finished in"))
    requests = next(line.strip() for line in result.stdout.splitlines()
                    if line.startswith("requests:"))
    latencies = [int(row.split("\t")[2]) / 1000 for row in log.read_text().splitlines() if row]
    print(f"  {name}: {requests}")
    return qps, latencies


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def resolve_benchmark(stack: ExitStack, config: str, redis: RedisServer, tmp: Path,
                      seconds: int) -> None:
    runtime = start_runtime(stack, config, redis, tmp, 0)
    with grpc.insecure_channel(runtime) as channel:
        stub: Any = rgrpc.RuntimeServiceStub(channel)
        response = stub.ResolveChannel(REQUEST, timeout=10, metadata=auth("channel"))
    assert response.served_from.version >= 1 and response.agent.matched_conditional_prompt_ids
    response_file = tmp / "response.pb"
    response_file.write_bytes(response.SerializeToString())
    floor_port = free_port()
    floor = _spawn([sys.executable, "-m", "benchmarks.floor_server", str(floor_port),
                    str(response_file)], {}, floor_port, tmp / "floor.log")
    stack.callback(_stop, floor)
    # alternate floor and runtime rounds so that a disturbance of the machine hits both
    floor_runs, runtime_runs = [], []
    for _ in range(ROUNDS):
        floor_runs.append(h2load(f"127.0.0.1:{floor_port}", seconds, tmp, "floor"))
        runtime_runs.append(h2load(runtime, seconds, tmp, "runtime"))
    floor_qps = statistics.median(q for q, _ in floor_runs)
    run_qps = statistics.median(q for q, _ in runtime_runs)
    floor_lat = [ms for _, lat in floor_runs for ms in lat]
    run_lat = [ms for _, lat in runtime_runs for ms in lat]
    print(f"\nResolveChannel ({response.ByteSize()}-byte response, h2load -c8 -m16, "
          f"{ROUNDS} alternating rounds of {seconds}s each; median QPS)")
    print(f"  {'':10}{'QPS':>10}{'p50 ms':>10}{'p99 ms':>10}")
    for name, qps, lat in (("floor", floor_qps, floor_lat), ("runtime", run_qps, run_lat)):
        print(f"  {name:10}{qps:>10.0f}{pct(lat, 50):>10.2f}{pct(lat, 99):>10.2f}")
    print(f"  ratio runtime/floor: QPS {run_qps / floor_qps:.2f}, "
          f"p50 {pct(run_lat, 50) / pct(floor_lat, 50):.2f}x, "
          f"p99 {pct(run_lat, 99) / pct(floor_lat, 99):.2f}x")


def propagation(config: str, runtimes: list[str], publishes: int) -> list[float]:
    """Milliseconds from sending each publish to each replica serving it."""
    config_channel = grpc.insecure_channel(config)
    stub: Any = cgrpc.ConfigServiceStub(config_channel)
    arrivals: dict[tuple[int, int], float] = {}
    lock = threading.Condition()
    calls = []

    def watch(index: int, address: str) -> None:
        call = rgrpc.RuntimeServiceStub(grpc.insecure_channel(address)).WatchProduction(
            rpb.WatchProductionRequest(workspace_id=WS), metadata=auth("channel"))
        calls.append(call)
        try:
            for update in call:
                with lock:
                    arrivals[(index, update.served_from.version)] = time.perf_counter()
                    lock.notify_all()
        except grpc.RpcError:
            return

    threads = [threading.Thread(target=watch, args=(i, a), daemon=True)
               for i, a in enumerate(runtimes)]
    for t in threads:
        t.start()
    _wait_until_subscribed(runtimes)
    with lock:  # every replica has loaded the workspace and streams it
        lock.wait_for(lambda: {i for i, _ in arrivals} == set(range(len(runtimes))), timeout=10)
    samples: list[float] = []
    publish_ms: list[float] = []
    for n in range(publishes):
        started = time.perf_counter()
        version = publish_change(stub, WS, f"change {n} {time.time()}", auth())
        returned = time.perf_counter()
        publish_ms.append((returned - started) * 1000)
        wanted = {(i, version) for i in range(len(runtimes))}
        with lock:
            lock.wait_for(lambda: wanted <= arrivals.keys(), timeout=10)  # noqa: B023
            samples += [max(0.0, arrivals[(i, version)] - returned) * 1000
                        for i in range(len(runtimes)) if (i, version) in arrivals]
        time.sleep(0.02)
    PUBLISH_MS.extend(publish_ms)
    for call in calls:
        call.cancel()
    config_channel.close()
    return samples


PUBLISH_MS: list[float] = []
ROUNDS = 3


def _wait_until_subscribed(runtimes: list[str]) -> None:
    for address in runtimes:
        with grpc.insecure_channel(address) as channel:
            stub: Any = rgrpc.RuntimeServiceStub(channel)
            for _ in range(200):
                if not stub.GetReplicaStatus(rpb.GetReplicaStatusRequest(),
                                             metadata=auth("channel")).degraded:
                    break
                time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--publishes", type=int, default=40)
    args = parser.parse_args()
    if shutil.which("h2load") is None:
        sys.exit("h2load not found: apt-get install nghttp2-client")
    tmp = Path(tempfile.mkdtemp(prefix="agentconfig-bench-"))
    with ExitStack() as stack:
        redis, config = seeded_stack(stack, tmp)
        resolve_benchmark(stack, config, redis, tmp, args.seconds)
        print("\nPropagation: PublishDraft returned (committed) -> replica serves it "
              "(seen on WatchProduction)")
        print(f"  {'replicas':10}{'samples':>10}{'p50 ms':>10}{'p99 ms':>10}{'max ms':>10}")
        for count in (1, 4):
            with ExitStack() as replicas:
                addresses = [start_runtime(replicas, config, redis, tmp, 10 + count * 10 + i)
                             for i in range(count)]
                samples = propagation(config, addresses, args.publishes)
                print(f"  {count:<10}{len(samples):>10}{pct(samples, 50):>10.2f}"
                      f"{pct(samples, 99):>10.2f}{max(samples):>10.2f}")
                assert len(samples) == count * args.publishes, "a replica missed a version"
    print(f"  PublishDraft itself: p50 {statistics.median(PUBLISH_MS):.2f} ms, "
          f"p99 {pct(PUBLISH_MS, 99):.2f} ms")
    print(f"\n(latencies from h2load's per-request log; machine: {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
