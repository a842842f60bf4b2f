"""A real Redis Sentinel group for fault tests: a master, one replica (replicaof) and three
sentinels, each its own redis-server process on a free port, with short timeouts so that a
failover takes a second or two instead of half a minute. ``kill_master`` is kill -9: the
master's host dying, nothing flushed, nothing handed over."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.harness.servers import ServerUnavailable, _wait_for_port, free_port

MASTER_NAME = "agentconfig"
DOWN_AFTER_MS = 500
FAILOVER_TIMEOUT_MS = 2000


def sentinel_command(config: Path) -> list[str]:
    """The Debian package's redis-sentinel, or redis-server in sentinel mode (the same
    program: redis-sentinel is a link to it)."""
    binary = shutil.which("redis-sentinel")
    if binary is not None:
        return [binary, str(config)]
    server = shutil.which("redis-server")
    if server is None:
        raise ServerUnavailable("neither redis-sentinel nor redis-server found "
                                "(apt-get install redis-server redis-sentinel)")
    return [server, str(config), "--sentinel"]


@dataclass
class SentinelGroup:
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agentconfig-st-")))
    ports: dict[str, int] = field(default_factory=dict)  # master, replica, s1..s3
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    @property
    def sentinels(self) -> str:
        """The AGENTCONFIG_REDIS_SENTINELS value."""
        return ",".join(f"127.0.0.1:{self.ports[s]}" for s in ("s1", "s2", "s3"))

    def start(self, timeout: float = 20.0) -> SentinelGroup:
        master, replica = self._server("master"), self._server("replica")
        self._spawn("master", self._server_args(master))
        self._spawn("replica", [*self._server_args(replica), "--replicaof", "127.0.0.1",
                                str(master)])
        for name in ("s1", "s2", "s3"):
            self._spawn(name, sentinel_command(self._sentinel_config(name, master)))
        self._wait_ready(timeout)
        return self

    def _server(self, name: str) -> int:
        self.ports[name] = free_port()
        return self.ports[name]

    def _server_args(self, port: int) -> list[str]:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server not found (apt-get install redis-server)")
        return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--protected-mode", "no", "--dir", str(self.root)]

    def _sentinel_config(self, name: str, master: int) -> Path:
        """A file of its own: a sentinel rewrites its configuration as it learns."""
        port = self._server(name)
        config = self.root / f"{name}.conf"
        config.write_text(
            f"port {port}\nbind 127.0.0.1\nprotected-mode no\ndir {self.root}\n"
            f"sentinel monitor {MASTER_NAME} 127.0.0.1 {master} 2\n"
            f"sentinel down-after-milliseconds {MASTER_NAME} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {MASTER_NAME} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {MASTER_NAME} 1\n")
        return config

    def _spawn(self, name: str, command: list[str]) -> None:
        with (self.root / f"{name}.log").open("ab") as out:
            self.procs[name] = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _wait_for_port(self.ports[name], 10, self.procs[name])

    def cli(self, name: str, *args: str) -> str:
        return subprocess.run(["redis-cli", "-p", str(self.ports[name]), *args], check=True,
                              capture_output=True, text=True, timeout=5).stdout

    def _wait_ready(self, timeout: float) -> None:
        """Every sentinel sees the replica in sync and the two other sentinels: before
        that, a failover could find no replica to promote or no majority to agree."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "master_link_status:up" in self.cli("replica", "info", "replication") and all(
                    self._knows_all(s) for s in ("s1", "s2", "s3")):
                return
            time.sleep(0.1)
        raise ServerUnavailable(f"the sentinel group was not ready after {timeout}s:\n"
                                f"{self.cli('s1', 'sentinel', 'master', MASTER_NAME)}")

    def _knows_all(self, sentinel: str) -> bool:
        words = self.cli(sentinel, "sentinel", "master", MASTER_NAME).split()
        fields = dict(zip(words[::2], words[1::2], strict=False))
        return fields.get("num-slaves") == "1" and fields.get("num-other-sentinels") == "2"

    def master_port(self) -> int:
        """Where the sentinels say the master is now."""
        lines = self.cli("s1", "sentinel", "get-master-addr-by-name", MASTER_NAME).split()
        return int(lines[1])

    def kill_master(self) -> None:
        self.procs["master"].send_signal(signal.SIGKILL)
        self.procs["master"].wait(5)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)
        shutil.rmtree(self.root, ignore_errors=True)
