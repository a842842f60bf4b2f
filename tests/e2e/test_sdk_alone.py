"""Issue 13: the client SDK installs alone into an empty venv (its own pyproject, no
SQLAlchemy, no server code) and the example gateway runs on it against real services,
from a folder outside the repository (python -I: nothing of the repository on sys.path)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e import sdk_table
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
ROOT = Path(__file__).parents[2]
# what only the services need (the CEL package brings a CLI of its own: typer, rich)
SERVER_ONLY = {"sqlalchemy", "asyncpg", "alembic", "aiosqlite", "redis", "agentconfig",
               "pydantic-settings", "mcp", "jsonschema", "prometheus-client", "starlette"}


def _install(venv: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                    f"{ROOT / 'clients' / 'python'}[local]"], check=True, timeout=600)
    return python


async def test_the_sdk_installs_alone_and_runs_the_example_gateway(
        config: ConfigHandle, redis_server: RedisServer, tmp_path: Path, ws_id: str) -> None:
    python = await asyncio.to_thread(_install, tmp_path / "venv")
    listed = (await asyncio.to_thread(
        subprocess.run, [str(python), "-m", "pip", "list", "--format=json"],
        check=True, capture_output=True, text=True)).stdout
    names = {p["name"].lower() for p in json.loads(listed)}
    assert "agentconfig-client" in names
    assert not names & SERVER_ONLY, f"the SDK pulled in {names & SERVER_ONLY}"

    await sdk_table.seed(config.stub, ws_id)
    runtime = await start_runtime_service(config.address, redis_server.url,
                                          str(tmp_path / "runtime"))
    try:
        gateway = await asyncio.create_subprocess_exec(
            str(python), "-I", str(ROOT / "examples" / "gateway" / "gateway.py"),
            "--runtime", f"127.0.0.1:{runtime.server.port}", "--workspace", ws_id,
            stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, cwd=tmp_path)
        out, err = await asyncio.wait_for(gateway.communicate(
            b"web hello\nweb about my invoice\nnope hi\n"), 60)
    finally:
        await runtime.stop()
    lines = out.decode().splitlines()
    assert gateway.returncode == 0, err.decode()
    assert lines[0] == f"serving v1 of {ws_id!r}"
    assert lines[1].startswith("web: Support (support, gpt-4o-mini) answers from v1")
    assert lines[2].startswith("web: Billing (billing, gpt-4o-mini) answers from v1")
    assert lines[3] == "nope: channel 'nope' not found"
