"""Test-suite benchmark (not a test): prints figures from one run.

A suite of 200 cases x 5 turns on the scripted responder (a squad: turn 2 hands over, the
hand-off lasts) is run with RuntimeService.RunTests against the Draft:

1. cases per second, the suite alone (each run: read the cases, run them 8 at a time
   through the simulator, store the run);
2. ResolveChannel throughput (h2load, as benchmarks/runtime_bench.py drives it) while the
   suite runs over and over on the same runtime replica, as a ratio of its throughput
   without, in alternating rounds.

Real Postgres and Redis, a config service and one runtime replica as separate processes,
authentication on (the suite runs with an editor key, the gateway with a channel key).
Usage:
    .venv/bin/python -m benchmarks.test_suite_bench [--seconds 8] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
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
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from agentconfig.v1 import testing_pb2 as tpb
from benchmarks import runtime_bench as rb
from benchmarks.seed import seed_workspace
from tests.harness.servers import PostgresServer, RedisServer

CASES, TURNS = 200, 5
MESSAGES = ("Hi there, I have a question.", "Where is my invoice?", "Thanks, got it.",
            "Can I pay it by card?", "Great, bye!")


def case(n: int) -> tpb.TestCase:
    out = tpb.TestCase(test_case_id=f"case-{n:03d}", target_kind=pb.ENTITY_KIND_SQUAD,
                       target_id="front-desk", responder=rpb.RESPONDER_KIND_SCRIPTED)
    for i, message in enumerate(MESSAGES[:TURNS]):
        turn = out.turns.add(user_message=f"{message} ({n})")
        turn.script.moves.add(reply=f"Answer {i + 1} to case {n}.")
        turn.expect.agent_id = "support" if i == 0 else "billing"
        if i < 2:
            turn.expect.check_handoff, turn.expect.handoff_rule_index = True, i - 1
        turn.expect.reply_contains.append(f"case {n}")
    return out


def run_suite(runtime: Any) -> tuple[float, rpb.RunTestsResponse]:
    started = time.perf_counter()
    answer = runtime.RunTests(rpb.RunTestsRequest(
        workspace_id=rb.WS, source=rpb.TEST_TARGET_SOURCE_DRAFT), timeout=600,
        metadata=rb.auth("editor"))
    return time.perf_counter() - started, answer


class Background:
    """Runs the suite again and again until stopped; counts the cases it completed."""

    def __init__(self, runtime: Any) -> None:
        self._runtime = runtime
        self._stop = threading.Event()
        self.cases = 0
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            _, answer = run_suite(self._runtime)
            self.cases += answer.passed_count + answer.failed_count

    def __enter__(self) -> Background:
        self._thread.start()
        time.sleep(1.0)  # the first cases are running before the load starts
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def seed(config: str) -> None:
    with grpc.insecure_channel(config) as channel:
        admin: Any = cgrpc.ConfigServiceStub(channel)
        seed_workspace(admin, rb.WS, rb.auth())
        for role, enum in (("channel", cpb.ROLE_CHANNEL), ("editor", cpb.ROLE_EDITOR)):
            rb.KEYS[role] = admin.CreateApiKey(cpb.CreateApiKeyRequest(
                workspace_id=rb.WS, role=enum, display_name=f"bench {role}"),
                metadata=rb.auth()).secret
        for n in range(CASES):
            admin.CreateTestCase(tpb.CreateTestCaseRequest(workspace_id=rb.WS,
                                                           test_case=case(n)),
                                 metadata=rb.auth())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=8,
                        help="AGENTCONFIG_RUNTIME_TEST_CONCURRENCY of the runtime replica")
    args = parser.parse_args()
    os.environ["AGENTCONFIG_RUNTIME_TEST_CONCURRENCY"] = str(args.concurrency)
    if shutil.which("h2load") is None:
        sys.exit("h2load not found: apt-get install nghttp2-client")
    tmp = Path(tempfile.mkdtemp(prefix="agentconfig-suite-bench-"))
    with ExitStack() as stack:
        pg = PostgresServer().start()
        stack.callback(pg.stop)
        redis = RedisServer().start()
        stack.callback(redis.stop)
        config = rb.start_config(stack, pg, redis, tmp)
        seed(config)
        address = rb.start_runtime(stack, config, redis, tmp, 0)
        channel = grpc.insecure_channel(address)
        stack.callback(channel.close)
        runtime: Any = rgrpc.RuntimeServiceStub(channel)
        run_suite(runtime)  # warm: the Draft, the key cache, the connections
        alone = [run_suite(runtime) for _ in range(args.rounds)]
        [(_, last)] = alone[-1:]
        assert (last.passed_count, last.failed_count) == (CASES, 0), last
        seconds = statistics.median(s for s, _ in alone)
        print(f"\nSuite alone: {CASES} cases x {TURNS} turns, scripted responder, against "
              f"the Draft, {args.concurrency} at a time ({args.rounds} runs after one "
              "warm-up; median)")
        print(f"  {seconds:.2f} s per run: {CASES / seconds:.0f} cases/s, "
              f"{CASES * TURNS / seconds:.0f} turns/s")
        without, during, background = [], [], []
        for _ in range(args.rounds):
            without.append(rb.h2load(address, args.seconds, tmp, "resolve alone")[0])
            with Background(runtime) as suite:
                during.append(rb.h2load(address, args.seconds, tmp, "resolve + suite")[0])
            background.append(suite.cases)
        quiet, busy = statistics.median(without), statistics.median(during)
        print(f"\nResolveChannel (h2load -c8 -m16, {args.rounds} alternating rounds of "
              f"{args.seconds}s; median QPS)")
        print(f"  alone:            {quiet:>8.0f} QPS")
        print(f"  suite running:    {busy:>8.0f} QPS  (suite cases completed per round: "
              f"{', '.join(map(str, background))})")
        print(f"  ratio with/without: {busy / quiet:.2f}")


if __name__ == "__main__":
    main()
