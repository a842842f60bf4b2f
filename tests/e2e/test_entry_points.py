"""Every server entry point, run as the real installed executable: ``--help`` explains it
(with its settings' environment variables) and ``--version`` names the package version,
neither starting anything; an unknown argument is a one-line usage error (exit 2); a busy
port is one line on stderr that names it, and a non-zero exit."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SERVERS = ["config-service", "runtime-service", "agentconfig-dev"]
ROOT = Path(__file__).resolve().parents[2]


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None,
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=cwd,
                          env={**os.environ, **(env or {})})


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        yield held.getsockname()[1]


@pytest.mark.parametrize("name", SERVERS)
def test_help_lists_settings_without_starting(name: str, tmp_path: Path) -> None:
    result = run([str(BIN / name), "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {name}")
    env_var = "AGENTCONFIG_RUNTIME_RESPONDER" if name == "runtime-service" else (
        "AGENTCONFIG_DATABASE_URL")
    assert env_var in result.stdout and "default:" in result.stdout
    assert not (tmp_path / ".data").exists()  # nothing started, nothing written


def test_help_names_commands_and_flags(tmp_path: Path) -> None:
    assert "migrate" in run([str(BIN / "config-service"), "--help"], tmp_path).stdout
    dev = run([str(BIN / "agentconfig-dev"), "--help"], tmp_path).stdout
    assert "--config-listen" in dev and "AGENTCONFIG_RUNTIME_OPENAI_MODEL" in dev


@pytest.mark.parametrize("name", SERVERS)
def test_version(name: str, tmp_path: Path) -> None:
    result = run([str(BIN / name), "--version"], tmp_path)
    assert (result.returncode, result.stdout.strip()) == (
        0, f"{name} {metadata.version('agentconfig')}")


@pytest.mark.parametrize("name", SERVERS)
def test_unknown_argument_is_one_line_usage_error(name: str, tmp_path: Path) -> None:
    result = run([str(BIN / name), "--no-such-flag"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"{name}: unrecognized arguments: --no-such-flag (see {name} --help)"]


@pytest.mark.parametrize(("name", "env", "setting"), [
    ("config-service", "AGENTCONFIG_LISTEN", "AGENTCONFIG_LISTEN"),
    ("runtime-service", "AGENTCONFIG_RUNTIME_LISTEN", "AGENTCONFIG_RUNTIME_LISTEN"),
])
def test_busy_port_is_one_line(name: str, env: str, setting: str, busy_port: int,
                               tmp_path: Path) -> None:
    address = f"127.0.0.1:{busy_port}"
    result = run([str(BIN / name)], tmp_path, {env: address})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert address in lines[0] and "already in use" in lines[0]
    assert "another agentconfig process is probably running" in lines[0]
    assert setting in lines[0]


def test_run_sh_on_a_busy_port_is_one_line(busy_port: int, tmp_path: Path) -> None:
    """What a second ``./scripts/run.sh`` meets: the first one holds the port."""
    address = f"127.0.0.1:{busy_port}"
    result = run([str(ROOT / "scripts" / "run.sh"), "--data-dir", str(tmp_path),
                  "--config-listen", address, "--runtime-listen", "127.0.0.1:0"], ROOT)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert address in lines[0] and "stop it or pass --config-listen" in lines[0]
    assert "another agentconfig process is probably running" in lines[0]
    assert "Traceback" not in result.stdout


@pytest.mark.parametrize(("name", "env", "line"), [
    ("config-service", {"AGENTCONFIG_REDIS_SENTINELS": "127.0.0.1:1"},  # no master's name
     "error: invalid settings: Value error, redis_sentinels needs redis_sentinel_master"),
    ("runtime-service", {"AGENTCONFIG_RUNTIME_RECONCILE_SECONDS": "soon"},
     "error: invalid setting AGENTCONFIG_RUNTIME_RECONCILE_SECONDS: Input should be a valid"),
    ("config-service", {"AGENTCONFIG_MAX_MESSAGE_BYTES": "x"},
     "error: invalid setting AGENTCONFIG_MAX_MESSAGE_BYTES: Input should be a valid integer"),
])
def test_an_invalid_setting_is_one_line(name: str, env: dict[str, str], line: str,
                                        tmp_path: Path) -> None:
    result = run([str(BIN / name)], tmp_path, env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(line), result.stderr
