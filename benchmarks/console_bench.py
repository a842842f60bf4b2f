"""Issue 14: how fast the console's main pages answer on the embedded mode (target: well
under 100 ms). Starts ``agentconfig-dev`` on free ports with a fresh data directory, signs
in with its operator key over plain HTTP (the session cookie and the CSRF token as a
browser would), then fetches each page in turn, round after round so a disturbance of the
shared machine hits every page, and prints the median and p99 per page.
Run: .venv/bin/python -m benchmarks.console_bench [--rounds 200]
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

DEV = str(Path(sys.executable).parent / "agentconfig-dev")
PAGES = ["/", "/draft", "/draft/agent/concierge", "/review", "/history", "/versions/1",
         "/diff?from=1&to=1", "/channels", "/keys", "/audit", "/rollout/1"]


@dataclass
class Embedded:
    console: str  # http://127.0.0.1:port
    key: str
    data_dir: Path


@contextmanager
def embedded() -> Iterator[Embedded]:
    """``agentconfig-dev`` in a temporary data directory, every port free; stopped after."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen([DEV, "--data-dir", tmp, "--config-listen", "127.0.0.1:0",
                                 "--runtime-listen", "127.0.0.1:0",
                                 "--console-listen", "127.0.0.1:0"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert proc.stdout is not None
        banner = ""
        try:
            while "Ctrl-C stops" not in banner:
                line = proc.stdout.readline()
                if not line:
                    raise RuntimeError(f"agentconfig-dev exited: {banner}")
                banner += line
            found = re.search(r"web console\s+(http://\S+?)/?\s", banner)
            assert found, banner
            key = (Path(tmp) / "operator.key").read_text().strip()
            yield Embedded(found.group(1), key, Path(tmp))
        finally:
            proc.terminate()
            proc.wait(20)


def signed_in(base: str, key: str, workspace: str = "demo") -> httpx.Client:
    # TCP_NODELAY, as browsers set it
    transport = httpx.HTTPTransport(socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                                     1)])
    client = httpx.Client(base_url=base, timeout=10, transport=transport)
    page = client.get("/signin").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert token, page
    answer = client.post("/signin", data={"csrf_token": token.group(1), "api_key": key,
                                          "workspace": workspace})
    assert answer.status_code == 303, answer.text
    return client


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    with embedded() as running, closing(signed_in(running.console, running.key)) as client:
        times: dict[str, list[float]] = {page: [] for page in PAGES}
        for page in PAGES:  # warm up
            assert client.get(page).status_code == 200, page
        for _ in range(args.rounds):
            for page in PAGES:
                started = time.perf_counter()
                answer = client.get(page)
                times[page].append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, (page, answer.status_code)
    print(f"console page answer times on the embedded mode, {args.rounds} rounds (ms)")
    print(f"{'page':28} {'median':>8} {'p99':>8}")
    for page, values in times.items():
        print(f"{page:28} {statistics.median(values):8.1f} {p99(values):8.1f}")


if __name__ == "__main__":
    main()
