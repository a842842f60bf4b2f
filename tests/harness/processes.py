"""The services as real operating-system processes (the entry points an operator runs), so
a test can kill, stop and restart them from outside, on the same port, the way faults
happen in production."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from agentconfig.healthcheck import check
from tests.harness.servers import ServerUnavailable, free_port

MODULES = {"config": "config_service.main", "runtime": "runtime_service.main"}
PREFIX = {"config": "AGENTCONFIG_", "runtime": "AGENTCONFIG_RUNTIME_"}


@dataclass
class ServiceProcess:
    kind: str  # config | runtime
    settings: dict[str, str]  # setting name -> value, without the environment prefix
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _environment(self) -> dict[str, str]:
        values = self.settings | {"listen": self.address, "log_level": "INFO"}
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCONFIG_")}
        return env | {PREFIX[self.kind] + k.upper(): v for k, v in values.items()}

    def start(self, timeout: float = 30.0) -> ServiceProcess:
        """Healthy means: this process said it listens, and the port answers SERVING. The
        health answer alone could come from another server that took the port while this
        one was down (another test's), and this one would then fail to bind."""
        since = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", MODULES[self.kind]],
                                         env=self._environment(), stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerUnavailable(f"{self.kind} exited with {self.proc.returncode}:\n"
                                        f"{self.log_tail()}")
            if self._said_listening(since) and check(self.address, timeout=0.5):
                return self
            time.sleep(0.05)
        raise ServerUnavailable(f"{self.kind} not healthy after {timeout}s:\n{self.log_tail()}")

    async def astart(self) -> ServiceProcess:
        return await asyncio.to_thread(self.start)

    def kill(self) -> None:
        """SIGKILL: no shutdown hook runs, as when a node dies."""
        self._signal(signal.SIGKILL)

    def terminate(self) -> None:
        self._signal(signal.SIGTERM)

    def _signal(self, sig: signal.Signals) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def _said_listening(self, since: int) -> bool:
        with self.log.open("rb") as found:
            found.seek(since)
            return b"listening on" in found.read()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])
