"""The client SDK's local resolver beside ResolveChannel over gRPC (not a test): prints
figures from one run, on one machine.

1. ResolveChannel over gRPC to a runtime process: h2load (gRPC framing by hand, -c8 -m16),
   three rounds: QPS and per-request p50/p99; then a Python gateway's view, a sync stub
   making one call at a time (what the SDK replaces).
2. LocalResolver.resolve_channel in-process, one thread, the same request: calls per second
   and per-call p50/p99 (perf_counter_ns around each call); then with a new context on
   every call (a message never seen, so the memo misses and the conditions run).
3. Publish -> the SDK serving it: PublishDraft returned -> resolver.version moved.

Usage: .venv/bin/python -m benchmarks.sdk_bench [--seconds 5] [--publishes 20]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import grpc

from agentconfig.client import SyncLocalResolver
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from benchmarks import runtime_bench as rb
from benchmarks.seed import publish_change


def timed(call: Callable[[int], object], seconds: float) -> tuple[float, list[float]]:
    """Calls per second and per-call latencies (µs) of ``call(i)`` for ``seconds``."""
    latencies: list[float] = []
    clock = time.perf_counter_ns
    end = clock() + int(seconds * 1e9)
    i = 0
    started = clock()
    while True:
        before = clock()
        call(i)
        after = clock()
        latencies.append((after - before) / 1000)
        i += 1
        if after >= end:
            break
    return i / ((clock() - started) / 1e9), latencies


def local_benchmark(resolver: SyncLocalResolver, seconds: float) -> None:
    same = rb.REQUEST.context
    contexts = [rpb.ConversationContext(tags=["vip"], locale="pt-BR", message=f"hello {i}")
                for i in range(200_000)]
    expected = resolver.resolve_channel("web", same)
    assert expected.agent.matched_conditional_prompt_ids
    print(f"\nLocalResolver.resolve_channel, in-process, one thread, {seconds:g}s each")
    print(f"  {'':34}{'calls/s':>12}{'p50 µs':>10}{'p99 µs':>10}")
    for name, call in (
            ("same context", lambda i: resolver.resolve_channel("web", same)),
            ("new context every call",
             lambda i: resolver.resolve_channel("web", contexts[i % len(contexts)]))):
        rate, lat = timed(call, seconds)
        print(f"  {name:34}{rate:>12.0f}{rb.pct(lat, 50):>10.2f}{rb.pct(lat, 99):>10.2f}")


def follow_benchmark(config: str, resolver: SyncLocalResolver, publishes: int) -> None:
    samples: list[float] = []
    with grpc.insecure_channel(config) as channel:
        stub: Any = cgrpc.ConfigServiceStub(channel)
        for n in range(publishes):
            version = publish_change(stub, rb.WS, f"Bench instructions {n}.", rb.auth())
            returned = time.perf_counter()
            resolver.wait_for_version(version, 10)
            samples.append((time.perf_counter() - returned) * 1000)
    print(f"\nPublish -> SDK serving it (PublishDraft returned -> resolver moved), "
          f"{publishes} publishes: p50 {rb.pct(samples, 50):.1f} ms, "
          f"p99 {rb.pct(samples, 99):.1f} ms, max {max(samples):.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--publishes", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("h2load") is None:
        sys.exit("h2load not found: apt-get install nghttp2-client")
    tmp = Path(tempfile.mkdtemp(prefix="agentconfig-sdk-bench-"))
    with ExitStack() as stack:
        redis, config = rb.seeded_stack(stack, tmp)
        runtime = rb.start_runtime(stack, config, redis, tmp, 0)
        runs = [rb.h2load(runtime, args.seconds, tmp, "runtime") for _ in range(3)]
        qps = statistics.median(q for q, _ in runs)
        saturated = [ms * 1000 for _, ms_list in runs for ms in ms_list]
        print(f"\nResolveChannel over gRPC to one runtime process, {args.seconds}s each")
        print(f"  {'':34}{'calls/s':>12}{'p50 µs':>10}{'p99 µs':>10}")
        print(f"  {'h2load -c8 -m16, median of 3':34}{qps:>12.0f}"
              f"{rb.pct(saturated, 50):>10.0f}{rb.pct(saturated, 99):>10.0f}")
        with grpc.insecure_channel(runtime) as channel:
            stub: Any = rgrpc.RuntimeServiceStub(channel)
            md = (("authorization", f"Bearer {rb.KEYS['channel']}"),)
            rate, lat = timed(lambda i: stub.ResolveChannel(rb.REQUEST, metadata=md),
                              args.seconds)
        print(f"  {'Python client, one call at a time':34}{rate:>12.0f}"
              f"{rb.pct(lat, 50):>10.0f}{rb.pct(lat, 99):>10.0f}")
        resolver = SyncLocalResolver(rb.WS, runtime, key=rb.KEYS["channel"]).start()
        stack.callback(resolver.close)
        local_benchmark(resolver, args.seconds)
        follow_benchmark(config, resolver, args.publishes)


if __name__ == "__main__":
    main()
