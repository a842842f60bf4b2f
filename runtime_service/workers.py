"""Several runtime processes on one port: CPython answers on one core per process, so a
replica that should use N cores runs N worker processes that each bind the listen port
with SO_REUSEPORT (the kernel spreads new connections over them). Each worker is a full
replica: its own replica id (``<id>-w<i>``, so rollout status counts each), its own disk
folder and metrics port (docs/operations.md, "Several workers"), and one conversation
secret for all (a random one unless set), so a token one signed verifies on the others.

The supervisor (the process the operator started) starts the workers, forwards SIGTERM and
SIGINT to them for a graceful stop, and restarts a worker that dies on its own; a worker
that keeps dying right after it starts (a setting or the port is wrong) stops them all and
the supervisor exits 1."""

from __future__ import annotations

import ctypes
import logging
import math
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from agentconfig.errors import StartupError
from agentconfig.grpc_server import ensure_can_listen
from runtime_service.settings import RuntimeSettings

log = logging.getLogger("runtime_service.workers")
PREFIX = "AGENTCONFIG_RUNTIME_"
EARLY_EXIT_SECONDS = 10.0  # a worker that exits sooner than this after starting failed to start
MAX_EARLY_EXITS = 3  # in a row, for one worker: then the fault is not transient
RESTART_DELAY_SECONDS = 1.0


def cpu_count() -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup v2 quota (a
    container's ``--cpus``), which the affinity does not show."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            usable = min(usable, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, usable)


def worker_count(settings: RuntimeSettings) -> int:
    return settings.workers if settings.workers > 0 else cpu_count()


def worker_settings(settings: RuntimeSettings, index: int) -> dict[str, str]:
    """What worker ``index`` (1-based) changes of the supervisor's settings."""
    values = {"workers": "1", "worker_index": str(index),
              "replica_id": f"{settings.replica_id}-w{index}",
              "data_dir": str(Path(settings.data_dir) / f"w{index}")}
    if settings.metrics_listen:
        host, _, port = settings.metrics_listen.rpartition(":")
        values["metrics_listen"] = f"{host}:{int(port) + index - 1}"
    return {PREFIX + name.upper(): value for name, value in values.items()}


_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform == "linux" else None


def _die_with_parent() -> None:
    """A worker gets SIGTERM if the supervisor dies without stopping it (SIGKILL, OOM).
    Runs in the child between fork and exec: nothing here may import or lock."""
    if _LIBC is not None:
        _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Worker:
    index: int
    env: dict[str, str]
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    early_exits: int = 0

    def start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "runtime_service.main"],
                                     env=self.env, preexec_fn=_die_with_parent)
        self.started = time.monotonic()
        log.info("worker %d started (pid %d)", self.index, self.proc.pid)


@dataclass
class Supervisor:
    settings: RuntimeSettings
    count: int
    workers: list[Worker] = field(default_factory=list)
    stopping: int = 0  # the signal that asked to stop; 0 while running

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = signum

    def run(self) -> int:
        """Serve until SIGTERM/SIGINT (exit status 0) or a worker that cannot start (1)."""
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)
        base = os.environ | {PREFIX + "WORKERS": "1"}
        if not self.settings.conversation_secrets():  # the workers answer as one replica
            base[PREFIX + "CONVERSATION_SECRET"] = secrets.token_urlsafe(32)
        self.workers = [Worker(i, base | worker_settings(self.settings, i))
                        for i in range(1, self.count + 1)]
        for worker in self.workers:
            worker.start()
        log.info("runtime %s: %d workers on %s", self.settings.replica_id, self.count,
                 self.settings.listen)
        status = 0
        while not self.stopping and status == 0:
            time.sleep(0.1)
            status = self._check()
        self._stop_all(self.stopping or signal.SIGTERM)
        return status

    def _check(self) -> int:
        for worker in self.workers:
            code = worker.proc.poll() if worker.proc else None
            if code is None or self.stopping:
                continue
            early = time.monotonic() - worker.started < EARLY_EXIT_SECONDS
            worker.early_exits = worker.early_exits + 1 if early else 0
            log.error("worker %d (pid %d) exited with %s", worker.index,
                      worker.proc.pid if worker.proc else 0, code)
            if worker.early_exits >= MAX_EARLY_EXITS:
                log.error("worker %d exited %d times right after starting; stopping",
                          worker.index, worker.early_exits)
                return 1
            time.sleep(RESTART_DELAY_SECONDS)
            if not self.stopping:
                worker.start()
        return 0

    def _stop_all(self, sig: int) -> None:
        running = [w.proc for w in self.workers if w.proc and w.proc.poll() is None]
        for proc in running:
            proc.send_signal(sig)
        deadline = time.monotonic() + self.settings.shutdown_grace_seconds + 5
        for proc in running:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("worker pid %d did not stop in time; killed", proc.pid)
                proc.kill()
                proc.wait()


def supervise(settings: RuntimeSettings, count: int) -> int:
    """Run ``count`` workers until stopped; the exit status. The port is checked here, once:
    the workers share it and do not check."""
    port = settings.listen.rpartition(":")[2]
    if not port.isdigit() or int(port) == 0:
        raise StartupError(f"{count} workers share one port: set {PREFIX}LISTEN to a fixed "
                           f"port, not {settings.listen!r}")
    ensure_can_listen(settings.listen, PREFIX + "LISTEN")
    return Supervisor(settings, count).run()
