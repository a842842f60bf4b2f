"""The console in Firefox: Debian's firefox-esr, driven over WebDriver BiDi by Puppeteer
(npm ``puppeteer-core``, no browser download, installed into .tools/puppeteer by
scripts/test.sh) through tests/browser/firefox/smoke.cjs, against the same topology as the
Chromium tests. Playwright's own Firefox build cannot be downloaded here, and its BiDi
Firefox sends a command (emulation.setMediaFeaturesOverride) that Firefox 153 ESR does not
know.

One walk through the seed workflow: sign in with the operator key from the keyboard, the
overview (Production v1, the replicas table refreshed by htmx), "Validate all" answered in
place, edit the concierge's instructions as YAML and save, the diff on the review page,
publish with a message through the confirmation, the rollout page reaching 2 of 2 replicas
over Server-Sent Events, the new Production on the overview, sign out; and no JavaScript
error logged. A failure saves a screenshot into test-artifacts/. In CI (CI=true) or with
AGENTCONFIG_REQUIRE_SERVERS=1 a missing Firefox, Node or Puppeteer fails instead of
skipping."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.browser import topology
from tests.conftest import REQUIRED

ROOT = Path(__file__).resolve().parents[2]
FIREFOX = os.environ.get("AGENTCONFIG_FIREFOX", "/usr/bin/firefox-esr")
MODULES = ROOT / ".tools" / "puppeteer" / "node_modules"
SMOKE = Path(__file__).resolve().parent / "firefox" / "smoke.cjs"
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT = 120.0  # the walk takes about 15 s; a stuck browser must not hang the suite


def _missing() -> str | None:
    if not Path(FIREFOX).exists():
        return (f"no Firefox at {FIREFOX} (apt-get install firefox-esr, or set "
                "AGENTCONFIG_FIREFOX)")
    if shutil.which("node") is None:
        return "no node on PATH (apt-get install nodejs)"
    if not (MODULES / "puppeteer-core" / "package.json").exists():
        return (f"no puppeteer-core in {MODULES} (scripts/test.sh installs it: "
                "source scripts/_bootstrap.sh; ensure_firefox)")
    return None


@pytest.fixture(scope="session")  # before the topology: a skip need not start it
def firefox_driver() -> None:
    missing = _missing()
    if missing is None:
        return
    if REQUIRED:
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing)


def _run(env: dict[str, str]) -> tuple[int, str, str]:
    """The driver in its own process group, so that on a timeout it and its Firefox go."""
    proc = subprocess.Popen(["node", str(SMOKE)], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        err += f"\nthe Firefox driver did not finish within {TIMEOUT:.0f}s"
    return proc.returncode, out, err


def test_the_workflow_in_firefox(firefox_driver: None, topo: topology.Topology,
                                 ws: topology.Workspace) -> None:
    screenshot = ARTIFACTS / "test_the_workflow_in_firefox.png"
    ARTIFACTS.mkdir(exist_ok=True)
    for old in ARTIFACTS.glob("test_the_workflow_in_firefox*.png"):
        old.unlink()  # one left by an earlier run would mislead
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIREFOX_SMOKE_")} | {
        "NODE_PATH": str(MODULES),
        "FIREFOX_SMOKE_URL": topo.console.url,
        "FIREFOX_SMOKE_KEY": topology.OPERATOR,
        "FIREFOX_SMOKE_WORKSPACE": ws.workspace_id,
        "FIREFOX_SMOKE_FIREFOX": FIREFOX,
        "FIREFOX_SMOKE_SCREENSHOT": str(screenshot)}
    code, out, err = _run(env)
    steps = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for step in steps:
        print(step)
    if code != 0:
        done = [s["step"] for s in steps]
        shots = sorted(str(p) for p in ARTIFACTS.glob("test_the_workflow_in_firefox*.png"))
        pytest.fail(f"the Firefox walk failed after {done}:\n{err.strip()}\n"
                    f"(screenshots: {', '.join(shots) or 'none'})", pytrace=False)
    assert steps and steps[-1]["step"] == "done", out
    rollout = next(s for s in steps if s["step"] == "rollout live on 2 of 2")
    assert rollout["events"][-1] == "done"
