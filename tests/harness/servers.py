"""Start and stop real Postgres and Redis servers for tests and benchmarks.

PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user
(``runuser``) in a folder that user owns. Nothing here is a fake: behaviour that depends on
Postgres or Redis is tested against them.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path


class ServerUnavailable(RuntimeError):
    """The binaries are missing or the server would not start."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_port(port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None,
                   ) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise ServerUnavailable(f"server exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise ServerUnavailable(f"nothing listening on port {port} after {timeout}s")


def postgres_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise ServerUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")


@dataclass
class PostgresServer:
    port: int = field(default_factory=free_port)
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="agentconfig-pg-")))

    def _as_owner(self) -> list[str]:
        return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def start(self) -> PostgresServer:
        bindir = postgres_bin()
        data = self.root / "data"
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(self.root, user.pw_uid, user.pw_gid)
        run = self._as_owner()
        subprocess.run([*run, str(bindir / "initdb"), "-D", str(data), "-U", "postgres",
                        "--auth=trust", "-E", "UTF8", "--no-sync"],
                       check=True, capture_output=True)
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c max_connections=200")
        subprocess.run([*run, str(bindir / "pg_ctl"), "-D", str(data), "-o", options,
                        "-l", str(self.root / "log"), "-w", "start"],
                       check=True, capture_output=True)
        _wait_for_port(self.port, 20)
        return self

    def url(self, database: str = "postgres", driver: str = "asyncpg") -> str:
        return f"postgresql+{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                        "-qc", f'CREATE DATABASE "{name}"'], check=True, capture_output=True)
        return self.url(name)

    def stop(self) -> None:
        subprocess.run([*self._as_owner(), str(postgres_bin() / "pg_ctl"), "-D",
                        str(self.root / "data"), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def halt(self, mode: str = "fast") -> None:
        """Stop the server but keep its data, as an outage does (``stop`` deletes it):
        ``fast`` ends sessions cleanly, ``immediate`` is a crash, ``smart`` waits for them
        while refusing new connections ("the database system is shutting down")."""
        command = [*self._as_owner(), str(postgres_bin() / "pg_ctl"), "-D",
                   str(self.root / "data"), "-m", mode, "stop"]
        if mode == "smart":  # returns at once; the server goes when its sessions have
            command.append("--no-wait")
        subprocess.run(command, check=True, capture_output=True)

    def resume(self) -> None:
        """Start a halted server again: same data, same port, same options (``pg_ctl
        restart`` reuses the options of the last start, kept in postmaster.opts, and first
        ends a server still shutting down)."""
        subprocess.run([*self._as_owner(), str(postgres_bin() / "pg_ctl"), "-D",
                        str(self.root / "data"), "-l", str(self.root / "log"), "-w",
                        "restart"], check=True, capture_output=True)
        _wait_for_port(self.port, 20)


@dataclass
class RedisServer:
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> RedisServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise ServerUnavailable("redis-server not found (apt-get install redis-server)")
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, 10, self.proc)
        return self

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
