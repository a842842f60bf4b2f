"""``agentconfig-console`` as an operator runs it (no browser): ``--help`` lists its
settings, ``--version`` names the package version, a busy port is one line and exit 1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from importlib import metadata
from pathlib import Path

CONSOLE = str(Path(sys.executable).parent / "agentconfig-console")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([CONSOLE, *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_help_and_version() -> None:
    shown = run("--help")
    assert shown.returncode == 0
    assert "AGENTCONFIG_CONSOLE_LISTEN" in shown.stdout and "default:" in shown.stdout
    version = run("--version")
    assert version.stdout.strip() == f"agentconfig-console {metadata.version('agentconfig')}"


def test_a_busy_port_is_one_line() -> None:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        address = f"127.0.0.1:{held.getsockname()[1]}"
        refused = run(env={"AGENTCONFIG_CONSOLE_LISTEN": address})
    assert refused.returncode == 1
    assert refused.stderr.strip().splitlines() == [
        f"error: the console cannot start: {address} is not free (Address already in use)"]
