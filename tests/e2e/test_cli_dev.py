"""``agentctl dev``: execs the embedded mode (same process, so Ctrl-C reaches it), passes
its options through, and the system it starts answers ``agentctl status`` and ``chat``."""

from __future__ import annotations

import asyncio
import os
import re
import signal
from pathlib import Path

from tests.e2e.test_cli import AGENTCTL, Run


async def agentctl(*args: str, env: dict[str, str]) -> Run:
    proc = await asyncio.create_subprocess_exec(
        AGENTCTL, *args, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


async def test_dev_runs_the_embedded_mode_until_ctrl_c(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCTL_")}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": "200", "NO_COLOR": "1"}
    proc = await asyncio.create_subprocess_exec(
        AGENTCTL, "dev", "--data-dir", str(data), "--config-listen", "127.0.0.1:0",
        "--runtime-listen", "127.0.0.1:0", env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT)
    assert proc.stdout is not None
    try:
        banner = ""
        while "Ctrl-C stops" not in banner:
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            assert line, f"agentctl dev exited early: {banner}"
            banner += line.decode()
        assert f"SQLite at {data / 'agentconfig.db'}" in banner and "seeded now" in banner
        key = (data / "operator.key").read_text().strip()
        assert f"operator key     {key}" in banner  # printed on first start
        assert "admin key" not in banner  # it is the operator's, not a workspace admin's
        unkeyed = await agentctl("-w", "demo", "status", env=env | {
            "AGENTCTL_CONFIG_ADDR": re.findall(r"config service\s+(\S+)", banner)[0]})
        assert unkeyed.code != 0 and "AGENTCTL_KEY" in unkeyed.err, unkeyed
        config = re.search(r"config service\s+(\S+)", banner)
        runtime = re.search(r"runtime service\s+(\S+)", banner)
        assert config and runtime
        env |= {"AGENTCTL_CONFIG_ADDR": config[1], "AGENTCTL_RUNTIME_ADDR": runtime[1],
                "AGENTCTL_KEY": key}
        status = await agentctl("-w", "demo", "status", env=env)
        assert "demo: v1 live on 1 of 1 replicas" in status.out, status
        chat = await agentctl("-w", "demo", "chat", "front-desk", "-m", "I want a refund",
                              env=env)
        assert chat.code == 0 and chat.out.startswith("[Refunds] "), chat
    finally:
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 20) == 0
    assert "stopping" in (await proc.stdout.read()).decode()
