"""Server CPU per ResolveChannel ÷ the floor's, for scaling_bench.py. The servers are
driven at the same time, each by its own load generator, and each one's CPU time is read
from /proc over the same window: a disturbance of the (shared, busy) machine then hits the
floor and the runtime alike, which alternating rounds alone did not achieve here.

Two drivers: h2load, whose body cannot vary, so its "new" context is one the memo never
holds (a message longer than the memo keeps: every call converts the variables and
evaluates the conditions); and load_client.py, sending a really new message every call
(fewer calls in flight than h2load: more CPU per call on every side)."""

from __future__ import annotations

import os
import statistics
import struct
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from agentconfig.v1 import runtime_service_pb2 as rpb
from benchmarks import runtime_bench as rb


@dataclass(frozen=True)
class Served:
    name: str
    address: str
    pid: int
    long: bool = False  # h2load: the long-message request; load_client: "new" contexts


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def request(long: bool) -> rpb.ResolveChannelRequest:
    out = rpb.ResolveChannelRequest()
    out.CopyFrom(rb.REQUEST)
    if long:
        out.context.message = "hello " * 200  # 1,200 characters: never memoised
    return out


def _h2load(target: Served, seconds: int, tmp: Path) -> subprocess.Popen[str]:
    body = request(target.long).SerializeToString()
    frame = tmp / f"cpu-{target.name}.grpc"
    frame.write_bytes(struct.pack(">BI", 0, len(body)) + body)
    return subprocess.Popen(
        ["h2load", "-c", "4", "-m", "16", "-t", "1", "-D", str(seconds), "-d", str(frame),
         "-H", "content-type: application/grpc", "-H", "te: trailers",
         "-H", f"authorization: Bearer {rb.KEYS['channel']}",
         f"http://{target.address}/agentconfig.v1.RuntimeService/ResolveChannel"],
        stdout=subprocess.PIPE, text=True)


def _succeeded(output: str) -> int:
    line = next(x for x in output.splitlines() if x.startswith("requests:"))
    return int(line.split(",")[3].split()[0])


def _client(target: Served, calls: int, seed: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks.load_client", target.address,
         "new" if target.long else "same", str(calls), "32", rb.KEYS["channel"], seed],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def h2load_round(targets: list[Served], seconds: int, tmp: Path) -> dict[str, float]:
    before = [cpu_seconds(t.pid) for t in targets]
    outputs = [p.communicate()[0] for p in [_h2load(t, seconds, tmp) for t in targets]]
    after = [cpu_seconds(t.pid) for t in targets]
    return {t.name: (a - b) / _succeeded(o) * 1e6
            for t, a, b, o in zip(targets, after, before, outputs, strict=True)}


def client_round(targets: list[Served], calls: int, seed: str) -> dict[str, float]:
    run = [_client(t, calls, f"{seed}-{i}") for i, t in enumerate(targets)]
    for proc in run:  # bodies built, channel connected
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    before = [cpu_seconds(t.pid) for t in targets]
    for proc in run:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    answered = [int(proc.communicate()[0].strip()) for proc in run]
    after = [cpu_seconds(t.pid) for t in targets]
    return {t.name: (a - b) / n * 1e6
            for t, a, b, n in zip(targets, after, before, answered, strict=True)}


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def report(title: str, rounds: list[dict[str, float]], pairs: list[tuple[str, str, str]],
           ) -> None:
    print(title)
    names = {n for pair in pairs for n in pair[1:]}
    for name in sorted(names):
        print(f"  {name:34}{statistics.median(r[name] for r in rounds):>8.1f} us/call")
    for label, runtime, floor in pairs:
        print(f"  {label:34} {spread([r[runtime] / r[floor] for r in rounds])}")
