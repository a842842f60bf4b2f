"""agentctl against a config service and real runtime replicas (issue 4): ``chat`` (Draft
or version, the context flags, the trace, the interactive loop), ``status``, ``publish``
following the rollout, and getting a Draft back with ``backups restore``."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e.test_cli import EXAMPLES, Cli, cli, lines_with, start
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["cli"]

SECOND_TURN = """kind: conditional-prompt
id: second-turn
spec:
  name: Gold plan, from the second turn on
  condition: turn == 2 && variables.plan == "gold"
  prompt: Mention the gold plan.
  priority: 5
"""


@pytest_asyncio.fixture(loop_scope="session")
async def replicas(config: ConfigHandle, redis_server: RedisServer, tmp_path: Path,
                   ) -> AsyncIterator[list[RuntimeHandle]]:
    handles = [await start_runtime_service(config.address, redis_server.url,
                                           str(tmp_path / f"r{i}"), report_seconds=30,
                                           replica_id=f"replica-{i}") for i in range(2)]
    yield handles
    for handle in handles:
        await handle.stop()


@pytest.fixture
def rcli(cli: Cli, replicas: list[RuntimeHandle]) -> Cli:
    """The CLI with --runtime-addr set to the first replica."""
    cli.env["AGENTCTL_RUNTIME_ADDR"] = f"127.0.0.1:{replicas[0].server.port}"
    return cli


def edited_support(tmp_path: Path, old: str, new: str) -> str:
    path = tmp_path / "support.yaml"
    text = (EXAMPLES / "agents" / "support.yaml").read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return str(path)


async def test_chat_against_the_draft_and_a_version(rcli: Cli, ws_id: str,
                                                    tmp_path: Path) -> None:
    await start(rcli, ws_id, publish=True)
    await rcli.ok("apply", "-f", edited_support(tmp_path, "Answer politely and briefly.",
                                                "Answer in one word."))
    revision = (await rcli.data("diff"))["draft_revision"]

    squad = await rcli.ok("chat", "front-desk", "-m", "where is my invoice?", "--trace")
    assert squad.out.startswith("[Billing] ")
    assert lines_with(squad.out, "answering agent:", "billing")
    assert lines_with(squad.out, "squad front-desk: entry agent support, hand-off rule 0",
                      "-> billing")
    assert lines_with(squad.out, "served from:", f"draft revision {revision}")

    agent = await rcli.ok("chat", "support", "-m", "hello", "--trace", "--tag", "vip",
                          "--channel-type", "whatsapp", "--locale", "pt-BR")
    [prompts] = lines_with(agent.out, "  conditional prompts:")
    assert "vip" in prompts and "portuguese" in prompts
    assert lines_with(agent.out, "tools:", "order-status, weather")
    assert lines_with(agent.out, "MCP servers:", "files")
    assert "Answer in one word." in agent.out and "Answer in Brazilian Portuguese." in agent.out

    v1 = (await rcli.data("history"))["versions"][0]
    old = await rcli.ok("chat", "front-desk", "--version", "v1", "-m", "hi", "--trace")
    assert lines_with(old.out, "served from:", f"v1 ({v1['content_hash'][:12]})")
    plain = await rcli.ok("chat", "support", "--version", "1", "-m", "hi")
    assert plain.out.startswith("[Support] ") and "trace" not in plain.out
    assert "Answer politely and briefly." not in plain.out  # no trace without --trace

    forced = await rcli("chat", "front-desk", "--agent", "-m", "hi")
    assert forced.code == 5 and "front-desk" in forced.err, forced
    both = await rcli("chat", "x", "--agent", "--squad", "-m", "hi")
    assert both.code == 2
    bad_var = await rcli("chat", "support", "--var", "novalue", "-m", "hi")
    assert bad_var.code == 2 and "key=value" in bad_var.err


async def test_interactive_chat_counts_turns(rcli: Cli, ws_id: str, tmp_path: Path) -> None:
    await start(rcli, ws_id)
    (tmp_path / "second.yaml").write_text(SECOND_TURN)
    await rcli.ok("apply", "-f", str(tmp_path / "second.yaml"), "-f", edited_support(
        tmp_path, "conditional_prompt_ids: [vip, portuguese]",
        "conditional_prompt_ids: [vip, portuguese, second-turn]"))
    session = await rcli.ok("chat", "support", "--var", "plan=gold", "--trace",
                            stdin="first\nsecond\nthird\n\nnot sent\n")
    replies = [line for line in session.out.split("you> ") if line.startswith("[Support]")]
    assert len(replies) == 3, session
    assert [lines_with(r, "  conditional prompts:")[0].split()[-1] for r in replies] == [
        "-", "second-turn", "-"]
    assert "not sent" not in session.out
    assert "a blank line or Ctrl-D ends" in session.err
    ended = await rcli.ok("chat", "support", stdin="only\n")  # Ctrl-D (EOF) ends too
    assert ended.out.count("[Support]") == 1


async def test_status_and_publish_follow_the_rollout(
        rcli: Cli, ws_id: str, tmp_path: Path, replicas: list[RuntimeHandle]) -> None:
    await rcli.ok("workspace", "create", ws_id)
    assert "nothing published yet" in (await rcli.ok("status")).out
    await rcli.ok("apply", "-f", str(EXAMPLES))
    first = await rcli.ok("publish", "-m", "first", "--yes")
    assert "Published v1" in first.out
    # nobody has loaded it yet: said as a plain fact, not as a failure
    assert (f"v1 is Production; no replica has loaded workspace {ws_id} yet (replicas load "
            "a workspace on first use)") in first.err
    assert "not waiting" not in first.err
    unreported = await rcli.ok("status", "--no-runtime")
    assert f"{ws_id}: v1 is Production; no replica reports it yet" in unreported.out
    assert "of 0 replicas" not in unreported.out

    # status asks the runtime at --runtime-addr, which loads the workspace and reports it
    status = await rcli.ok("status")
    assert f"{ws_id}: v1 live on 1 of 1 replicas" in status.out
    assert lines_with(status.out, "replica-0", "v1")
    assert lines_with(status.out, "serves v1")
    await replicas[1].stub.GetProductionSnapshot(rpb.GetProductionSnapshotRequest(
        workspace_id=ws_id))
    [data] = await rcli.data("status")
    assert (data["production_version"], data["rollout"]["live_replicas"],
            data["rollout"]["total_replicas"]) == (1, 2, 2)
    assert [r["replica_id"] for r in data["rollout"]["replicas"]] == ["replica-0", "replica-1"]
    assert data["runtime"]["version"] == 1

    await rcli.ok("apply", "-f", edited_support(tmp_path, "briefly", "at length"))
    second = await rcli.ok("publish", "-m", "second", "--yes")
    assert "v2 live on 2 of 2 replicas" in second.err, second

    # a replica that went away keeps its last report (v2) until it expires, and holds up
    # the wait until the timeout
    await replicas.pop().stop()
    await rcli.ok("apply", "-f", edited_support(tmp_path, "briefly", "in verse"))
    late = await rcli.ok("publish", "-m", "third", "--yes", "--wait-timeout", "1")
    assert "v3 live on 1 of 2 replicas after 1 s" in late.err, late
    lagging = await rcli.data("status", "--no-runtime")
    assert lagging[0]["rollout"]["summary"] == "v3 live on 1 of 2 replicas"
    assert "runtime" not in lagging[0]
    await rcli.ok("apply", "-f", str(EXAMPLES))
    quiet = await rcli.ok("publish", "-m", "fourth", "--yes", "--no-wait")
    assert "Published v4" in quiet.out and "live on" not in quiet.err

    listed = await rcli("status", "--no-runtime", "-o", "json", env={"AGENTCTL_WORKSPACE": ""})
    assert listed.code == 0, listed
    everyone = json.loads(listed.out)
    [ours] = [w for w in everyone if w["workspace_id"] == ws_id]
    assert ours["production_version"] == 4
    assert ours["rollout"]["total_replicas"] == 2

async def test_rollback_prints_the_undo_and_backups_restore_it(
        cli: Cli, ws_id: str, tmp_path: Path) -> None:
    await start(cli, ws_id, publish=True)
    await cli.ok("apply", "-f", edited_support(tmp_path, "briefly", "at length"))
    rolled = await cli.ok("rollback", "v1", "--no-wait")
    [undo] = lines_with(rolled.err, "backups restore")
    backup_id = undo.split()[-1]
    assert undo.endswith(f"agentctl -w {ws_id} backups restore {backup_id}")
    assert "No differences." in (await cli.ok("diff")).out

    [listed] = await cli.data("backups", "list")
    assert (listed["backup_id"], listed["reason"]) == (backup_id, "restore of v1")
    assert lines_with((await cli.ok("backups", "list")).out, backup_id, "restore of v1")

    restored = await cli.ok(*undo.split(": ", 1)[1].split()[1:])  # as printed, sans "agentctl"
    assert f"Draft now holds backup {backup_id}'s content" in restored.out
    assert lines_with((await cli.ok("diff")).out, "+", "at length")
    missing = await cli("backups", "restore", "no-such-backup")
    assert missing.code == 5, missing
