"""The real ``agentctl`` executable, as a subprocess, against a config service started by the
test on real Postgres and Redis: the workflow a builder follows (issue 4).

The server runs on the test's event loop, so the CLI runs with
``asyncio.create_subprocess_exec`` (a blocking ``subprocess.run`` would deadlock)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

AGENTCTL = str(Path(sys.executable).parent / "agentctl")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLE_ENTITIES = 10


@dataclass
class Run:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Cli:
    """Runs agentctl with a home of its own (config and state directories) and the
    connection in the environment, the way a script would."""

    def __init__(self, address: str, workspace: str, home: Path) -> None:
        self.home = home
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCTL_")}
        self.env |= {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
                     "XDG_STATE_HOME": str(home / "state"), "COLUMNS": "200",
                     "NO_COLOR": "1", "AGENTCTL_CONFIG_ADDR": address,
                     "AGENTCTL_WORKSPACE": workspace}

    async def __call__(self, *args: str, stdin: str = "", env: dict[str, str] | None = None,
                       cwd: Path | None = None) -> Run:
        proc = await asyncio.create_subprocess_exec(
            AGENTCTL, *args, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self.env | (env or {}), cwd=cwd)
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode()), 60)
        assert proc.returncode is not None
        result = Run(proc.returncode, out.decode(), err.decode())
        assert "Traceback" not in result.err, result
        return result

    async def ok(self, *args: str, stdin: str = "") -> Run:
        result = await self(*args, stdin=stdin)
        assert result.code == 0, result
        return result

    async def data(self, *args: str) -> Any:
        """A read command's ``-o json`` answer."""
        return json.loads((await self.ok(*args, "-o", "json")).out)


@pytest.fixture
def cli(config: ConfigHandle, ws_id: str, tmp_path: Path) -> Cli:
    return Cli(config.address, ws_id, tmp_path / "home")


async def start(cli: Cli, ws_id: str, *, publish: bool = False) -> None:
    await cli.ok("workspace", "create", ws_id, "--name", "Acme")
    await cli.ok("apply", "-f", str(EXAMPLES))
    if publish:
        await cli.ok("--user", "ann", "publish", "-m", "first", "--yes")


def lines_with(text: str, *words: str) -> list[str]:
    return [line for line in text.splitlines() if all(w in line for w in words)]


async def test_apply_validate_diff_publish_history_show(cli: Cli, ws_id: str) -> None:
    await cli.ok("workspace", "create", ws_id, "--name", "Acme")
    assert ws_id in [w["workspace_id"] for w in await cli.data("workspace", "list")]
    applied = await cli.ok("apply", "-f", str(EXAMPLES))
    assert len(lines_with(applied.out, "created")) == EXAMPLE_ENTITIES
    assert lines_with(applied.out, "tool/weather", "created", "tools.yaml")
    assert "10 created" in applied.err

    valid = await cli.ok("validate")
    assert "The Draft is valid" in valid.out
    diff = await cli.ok("diff")
    assert "+ agent/support  (added)" in diff.out
    assert '+ transport: "MCP_TRANSPORT_STREAMABLE_HTTP"' in diff.out
    assert lines_with(diff.out, "affects", "squads: front-desk")
    assert "10 entities differ: 10 added" in diff.out

    published = await cli.ok("--user", "ann", "publish", "-m", "first", "--yes")
    assert "Published v1" in published.out and "by ann: first" in published.out
    assert "No differences." in (await cli.ok("diff")).out

    history = await cli.data("history")
    [v1] = history["versions"]
    assert (v1["number"], v1["author"], v1["message"], v1["origin"]) == (1, "ann", "first",
                                                                          "draft")
    assert history["production_version"] == 1
    assert lines_with((await cli.ok("history")).out, "v1*", "ann", "first", "draft")

    shown = yaml.safe_load((await cli.ok("show", "v1", "-o", "yaml")).out)
    assert shown["version"]["number"] == 1
    assert shown["version"]["entity_count"] == EXAMPLE_ENTITIES
    from_files = {(d["kind"], d["id"]): d for f in sorted(EXAMPLES.rglob("*.yaml"))
                  if not f.relative_to(EXAMPLES).parts[0].startswith(".")  # the tour's edit
                  for d in yaml.safe_load_all(f.read_text())
                  if d["kind"] != "test-case"}  # the suite: live data, not in versions
    assert {(d["kind"], d["id"]): d for d in shown["entities"]} == from_files
    table = (await cli.ok("show", "1")).out
    assert lines_with(table, "mcp-server", "files", "Files")


async def test_planted_error_is_named_by_file_entity_and_field(cli: Cli, ws_id: str,
                                                               tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(EXAMPLES, examples)
    broken = examples / "agents" / "helper.yaml"
    broken.write_text("kind: agent\nid: helper\nspec:\n  name: Helper\n"
                      "  instructions: Help.\n  model: gpt-4o-mini\n"
                      "  tool_ids: [weather, no-such-tool]\n")
    await cli.ok("workspace", "create", ws_id)
    await cli.ok("apply", "-f", str(examples))

    result = await cli("validate")
    assert result.code == 4, result
    [line] = lines_with(result.out, "DANGLING_REFERENCE")
    assert line.startswith(f"{broken}: agent/helper: tool_ids[1]: ")
    assert "'no-such-tool'" in line
    assert "does not validate: 1 problem" in result.err

    report = json.loads((await cli("validate", "-o", "json")).out)
    assert report["valid"] is False
    assert report["violations"][0]["field"] == "tool_ids[1]"

    refused = await cli("publish", "-m", "too early", "--yes")
    assert refused.code == 4, refused
    assert lines_with(refused.err, str(broken), "agent/helper", "tool_ids[1]")
    assert (await cli.data("history"))["versions"] == []

    # Without the record apply keeps (another home), the entity and field are still named.
    other = Cli(cli.env["AGENTCTL_CONFIG_ADDR"], ws_id, tmp_path / "other-home")
    bare = await other("validate")
    assert bare.code == 4
    assert lines_with(bare.out, "agent/helper: tool_ids[1]:")
    assert str(broken) not in bare.out


async def test_rollback_restores_reviews_and_publishes(cli: Cli, ws_id: str,
                                                       tmp_path: Path) -> None:
    await start(cli, ws_id, publish=True)
    edited = tmp_path / "support.yaml"
    text = (EXAMPLES / "agents" / "support.yaml").read_text()
    edited.write_text(text.replace("Answer politely and briefly.", "Answer politely."))
    assert "agent/support updated" in (await cli.ok("apply", "-f", str(edited))).out
    await cli.ok("publish", "-m", "politer", "--yes")

    versions = await cli.ok("diff", "v1", "v2")
    lines = versions.out.splitlines()  # a multi-line string: a line-level unified diff
    at = lines.index("    ~ instructions:")
    assert lines[at + 1].lstrip().startswith("@@ ")
    assert "        -You are the support agent of Acme. Answer politely and briefly." in lines
    assert "        +You are the support agent of Acme. Answer politely." in lines
    assert lines_with(versions.out, "affects", "agents: support", "squads: front-desk")

    # Restore v1 into the Draft; stdin is closed, so nothing is published yet.
    restored = await cli.ok("rollback", "v1")
    assert "Draft now holds v1's content" in restored.out and "backup" in restored.out
    assert "~ agent/support" in restored.out
    assert "Not published" in restored.err
    assert [v["number"] for v in (await cli.data("history"))["versions"]] == [2, 1]

    # The builder reviews and confirms on the prompt.
    confirmed = await cli.ok("publish", "-m", "back to v1", stdin="y\n")
    assert "Published v3" in confirmed.out
    history = (await cli.data("history"))["versions"]
    assert history[0]["origin"] == "restored from v1"
    assert history[0]["content_hash"] == history[2]["content_hash"]

    declined = await cli("publish", "-m", "nothing", stdin="n\n")
    assert declined.code == 0 and "Nothing to publish" in declined.out

    emergency = await cli.ok("rollback", "v2", "--emergency", "-m", "undo")
    assert "Published v4" in emergency.out
    newest = (await cli.data("history", "--page-size", "1"))
    assert newest["versions"][0]["origin"] == "rollback from v2"
    assert newest["next_page_token"]
    second = await cli.data("history", "--page-size", "1", "--page-token",
                            newest["next_page_token"])
    assert second["versions"][0]["number"] == 3

    again = await cli.ok("rollback", "v1", "--yes")
    assert "Published v5" in again.out

    # v5 is Production: a rollback to it changes nothing (no backup, no revision bump)
    before = ([w for w in await cli.data("workspace", "list") if w["workspace_id"] == ws_id],
              await cli.data("backups", "list"))
    for args in (("rollback", "v5", "--yes"), ("rollback", "v5", "--emergency")):
        unchanged = await cli(*args)
        assert unchanged.code == 4, unchanged
        assert "nothing to publish" in unchanged.err.lower(), unchanged
    assert "Draft now holds" not in unchanged.out
    after = ([w for w in await cli.data("workspace", "list") if w["workspace_id"] == ws_id],
             await cli.data("backups", "list"))
    assert after == before
    assert (await cli.data("history", "--page-size", "1"))["versions"][0]["number"] == 5


async def test_channels(cli: Cli, ws_id: str) -> None:
    await start(cli, ws_id)
    created = await cli.ok("channels", "create", "web", "--type", "web_widget", "--squad",
                           "front-desk", "--name", "Website")
    assert "created channel web (web_widget) -> squad/front-desk" in created.out
    await cli.ok("channels", "create", "wa", "--type", "whatsapp", "--agent", "support")
    listed = await cli.data("channels", "list")
    assert [(c["channel_id"], c["type"], c["target_kind"], c["target_id"]) for c in listed] \
        == [("wa", "whatsapp", "agent", "support"),
            ("web", "web_widget", "squad", "front-desk")]

    updated = await cli.ok("channels", "update", "web", "--agent", "billing", "--name", "Site")
    assert "-> agent/billing" in updated.out
    assert lines_with((await cli.ok("channels", "list")).out, "web", "Site", "agent/billing")
    await cli.ok("channels", "delete", "wa")
    assert [c["channel_id"] for c in await cli.data("channels", "list")] == ["web"]

    both = await cli("channels", "create", "x", "--type", "api", "--agent", "a", "--squad", "b")
    assert both.code == 2 and "not both" in both.err
    neither = await cli("channels", "create", "x", "--type", "api")
    assert neither.code == 2
    bad_type = await cli("channels", "create", "x", "--type", "fax", "--agent", "support")
    assert bad_type.code == 2
    missing = await cli("channels", "delete", "nope")
    assert missing.code == 5, missing


async def test_export_then_apply_round_trips(cli: Cli, ws_id: str, tmp_path: Path) -> None:
    await start(cli, ws_id, publish=True)
    out = tmp_path / "exported"
    exported = await cli.ok("export", "-d", str(out))
    assert "exported 10 entities" in exported.err
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*.yaml"))
    assert len(files) == EXAMPLE_ENTITIES
    assert "mcp-server/files.yaml" in files and "conditional-prompt/vip.yaml" in files
    assert "transport: streamable-http" in (out / "mcp-server" / "files.yaml").read_text()
    assert "method: post" in (out / "tool" / "order-status.yaml").read_text()
    assert "type: card" in (out / "component" / "order-card.yaml").read_text()

    again = await cli.ok("apply", "-f", str(out))
    assert len(lines_with(again.out, "unchanged")) == EXAMPLE_ENTITIES, again
    assert "No differences." in (await cli.ok("diff")).out
    assert (await cli.data("diff"))["entries"] == []

    # A version exported to stdout comes back unchanged too.
    stream = await cli.ok("export", "--version", "v1")
    single = tmp_path / "v1.yaml"
    single.write_text(stream.out)
    assert len(lines_with((await cli.ok("apply", "-f", str(single))).out, "unchanged")) == 10

    # And `get -o yaml` output is apply-able as it is (its metadata is read past).
    got = await cli.ok("get", "agent", "support", "-o", "yaml")
    assert yaml.safe_load(got.out)["metadata"]["etag"]
    (tmp_path / "got.yaml").write_text(got.out)
    assert "unchanged" in (await cli.ok("apply", "-f", str(tmp_path / "got.yaml"))).out


async def test_dry_run_get_and_delete(cli: Cli, ws_id: str) -> None:
    await cli.ok("workspace", "create", ws_id)
    dry = await cli.ok("apply", "-f", str(EXAMPLES), "--dry-run")
    assert len(lines_with(dry.out, "created (dry run)")) == EXAMPLE_ENTITIES
    assert await cli.data("get", "agents") == []

    await cli.ok("apply", "-f", str(EXAMPLES))
    agents = await cli.data("get", "agents")
    assert [a["id"] for a in agents] == ["billing", "support"]
    assert lines_with((await cli.ok("get", "conditional-prompts")).out, "vip", "VIP")
    assert len(await cli.data("get", "mcp_server")) == 1
    one = await cli.ok("get", "tool", "weather")
    assert lines_with(one.out, "method", "get")

    deleted = await cli.ok("delete", "conditional-prompt", "portuguese")
    assert "deleted conditional-prompt/portuguese" in deleted.out
    gone = await cli("get", "conditional-prompt", "portuguese")
    assert gone.code == 5 and "ENTITY_NOT_FOUND" in gone.err
    # The agent still refers to it: validate says so.
    invalid = await cli("validate")
    assert invalid.code == 4
    assert lines_with(invalid.out, "agent/support: conditional_prompt_ids[1]")
