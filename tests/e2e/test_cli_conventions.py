"""CLI conventions (issue 10, item 3), through the real ``agentctl``: global options after
the command too and ``-o`` before it, ``--version``, shell completion, full values in piped tables,
``diff --exit-code`` and numbers that are numbers in ``-o json|yaml``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.e2e.test_cli import EXAMPLES, Cli, start
from tests.e2e.test_cli_access import bootstrap, secured  # noqa: F401 (a fixture)
from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def cli(config: ConfigHandle, ws_id: str, tmp_path: Path) -> Cli:
    return Cli(config.address, ws_id, tmp_path / "home")


def bare(cli: Cli) -> Cli:
    """The same agentctl with no workspace in the environment and an 80-column COLUMNS."""
    cli.env = {k: v for k, v in cli.env.items() if k != "AGENTCTL_WORKSPACE"}
    cli.env["COLUMNS"] = "80"
    return cli


async def test_global_options_after_the_command(cli: Cli, ws_id: str) -> None:
    await start(cli, ws_id)
    cli = bare(cli)
    missing = await cli("get", "agents")
    assert missing.code == 2 and "no workspace" in missing.err, missing
    after = json.loads((await cli.ok("get", "agents", "-w", ws_id, "-o", "json")).out)
    before = json.loads((await cli.ok("-w", ws_id, "get", "agents", "-o", "json")).out)
    assert [a["id"] for a in after] == [a["id"] for a in before] == ["billing", "support"]
    # and the mirror case: a command's own -o before the command
    first = json.loads((await cli.ok("-o", "json", "-w", ws_id, "get", "agents")).out)
    assert [a["id"] for a in first] == ["billing", "support"]
    assert yaml.safe_load((await cli.ok("-o", "yaml", "workspace", "list", "-w", ws_id)).out)
    misplaced = await cli("-o", "json", "-w", ws_id, "publish", "-m", "x", "--yes")
    assert misplaced.code == 2 and "-o/--output does not apply to 'agentctl publish'" \
        in misplaced.err, misplaced
    # after the command wins over before it; a group's command takes them too
    assert (await cli.ok("-w", "elsewhere", "get", "agent", "support", "-w", ws_id))
    assert ws_id in (await cli.ok("workspace", "list", "--user", "ann")).out
    published = await cli.ok("publish", "-m", "first", "--yes", "--no-wait", "-w", ws_id,
                             "--user", "ann")
    assert "by ann: first" in published.out, published


async def test_version_and_shell_completion(cli: Cli) -> None:
    version = await cli.ok("--version")
    assert version.out.startswith("agentctl ") and version.out.split()[1][0].isdigit()
    for shell, mark in (("bash", "complete -o default -F _agentctl_completion agentctl"),
                        ("zsh", "#compdef agentctl"), ("fish", "complete --command agentctl")):
        assert mark in (await cli.ok("completion", shell)).out, shell
    assert "--install-completion" in (await cli.ok("--help")).out
    offered = await cli("get", "agents", "-", env={
        "_AGENTCTL_COMPLETE": "complete_bash", "COMP_WORDS": "agentctl get agents -",
        "COMP_CWORD": "3"})
    assert {"--workspace", "--output"} <= set(offered.out.split()), offered


async def test_diff_exit_code_and_numbers_that_are_numbers(cli: Cli, ws_id: str) -> None:
    await start(cli, ws_id)
    changed = await cli("diff", "--exit-code")
    assert changed.code == 1 and "10 entities differ" in changed.out, changed
    assert (await cli("diff", "--exit-code", "-o", "json")).code == 1
    await cli.ok("publish", "-m", "first", "--yes", "--no-wait")
    assert (await cli("diff", "--exit-code")).code == 0
    assert (await cli("diff", "v1", "v1", "--exit-code")).code == 0

    [listed] = [w for w in await cli.data("workspace", "list") if w["workspace_id"] == ws_id]
    assert isinstance(listed["draft_revision"], int), listed
    assert isinstance(listed["production_version"], int), listed
    as_yaml = yaml.safe_load((await cli.ok("workspace", "list", "-o", "yaml")).out)
    [mine] = [w for w in as_yaml if w["workspace_id"] == ws_id]
    assert isinstance(mine["draft_revision"], int), mine


async def test_piped_history_and_audit_show_every_hash_whole(
        secured: ConfigHandle, ws_id: str, tmp_path: Path) -> None:  # noqa: F811
    run = Cli(secured.address, ws_id, tmp_path / "home")
    run.env |= {"COLUMNS": "80"}
    run.env |= {"AGENTCTL_KEY": (await bootstrap(run, ws_id))["admin"]}
    await run.ok("apply", "-f", str(EXAMPLES))
    await run.ok("publish", "-m", "first", "--yes", "--no-wait")
    edited = tmp_path / "support.yaml"
    edited.write_text((EXAMPLES / "agents" / "support.yaml").read_text()
                      .replace("briefly", "at length"))
    await run.ok("apply", "-f", str(edited))
    await run.ok("publish", "-m", "second", "--yes", "--no-wait")

    versions = (await run.data("history"))["versions"]
    table = (await run.ok("history")).out.splitlines()
    assert len(versions) == 2
    for v in versions:
        assert len(v["content_hash"]) == 64
        assert [line for line in table if f"v{v['number']}" in line
                and v["content_hash"] in line], (v, table)

    events = (await run.data("audit"))["events"]
    table = (await run.ok("audit")).out.splitlines()
    assert len(events) >= 6
    for e in events:
        whole = [e["actor"], e["action"], e.get("target", ""),
                 *(f"{k}={json.dumps(v, separators=(',', ':'))}"
                   for k, v in e["details"].items() if isinstance(v, str))]
        assert [line for line in table if all(w in line for w in whole)], (whole, table)
