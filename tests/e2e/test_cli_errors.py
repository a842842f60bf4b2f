"""agentctl's failures: one clear line on stderr, the documented exit code, never a
traceback (the ``Cli`` runner asserts that on every run); the connection settings' order
(flags > environment > config file > defaults); and the one gRPC status mapping."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from agentctl.errors import STATUS_ERRORS, Exit
from tests.e2e.test_cli import EXAMPLES, Cli, cli, lines_with, start
from tests.harness.servers import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["cli"]


async def test_not_found_exits_5(cli: Cli, ws_id: str) -> None:
    missing_ws = await cli("get", "agents")
    assert missing_ws.code == 5 and "WORKSPACE_NOT_FOUND" in missing_ws.err
    await start(cli, ws_id)
    for args in (("show", "v9"), ("get", "agent", "nobody"), ("delete", "tool", "nothing"),
                 ("diff", "v1", "v2"), ("rollback", "v7", "--yes")):
        result = await cli(*args)
        assert result.code == 5, result
        assert result.err.startswith("error: ") and len(result.err.splitlines()) == 1


async def test_stale_revision_exits_3_and_publishes_nothing(cli: Cli, ws_id: str,
                                                            tmp_path: Path) -> None:
    await start(cli, ws_id)
    reviewed = (await cli.data("diff"))["draft_revision"]
    edited = tmp_path / "voice.yaml"
    edited.write_text((EXAMPLES / "voice.yaml").read_text().replace("1.1", "1.2"))
    await cli.ok("apply", "-f", str(edited))

    stale = await cli("publish", "-m", "what I reviewed", "--revision", str(reviewed), "--yes")
    assert stale.code == 3, stale
    assert f"the Draft changed since revision {reviewed} was reviewed" in stale.err
    assert (await cli.data("history"))["versions"] == []
    assert "Published v1" in (await cli.ok("publish", "-m", "current", "--yes")).out

    taken = await cli("workspace", "create", ws_id)
    assert taken.code == 3 and "already exists" in taken.err


async def test_unreachable_server_exits_6_and_names_the_address(cli: Cli) -> None:
    address = f"127.0.0.1:{free_port()}"
    result = await cli("--config-addr", address, "history")
    assert result.code == 6, result
    assert f"cannot reach the config service at {address}" in result.err
    by_env = await cli("workspace", "list", env={"AGENTCTL_CONFIG_ADDR": address})
    assert by_env.code == 6 and address in by_env.err


async def test_usage_mistakes_exit_2(cli: Cli, ws_id: str) -> None:
    await cli.ok("workspace", "create", ws_id)
    for args in (("get", "gadgets"), ("show", "vX"), ("diff", "v1"), ("history", "--output",
                 "xml"), ("apply",), ("apply", "-f", "/no/such/file.yaml"), ("frobnicate",)):
        result = await cli(*args)
        assert result.code == 2, result
    no_ws = await cli("get", "agents", env={"AGENTCTL_WORKSPACE": ""})
    assert no_ws.code == 2 and "no workspace" in no_ws.err


async def test_bad_files_exit_4_naming_file_and_entity(cli: Cli, ws_id: str,
                                                       tmp_path: Path) -> None:
    await cli.ok("workspace", "create", ws_id)
    cases = {
        "broken.yaml": ("kind: agent\nid: x\nspec: [unclosed\n", "not valid YAML"),
        "unknown.yaml": ("kind: agent\nid: x\nspec:\n  nmae: X\n", "agent/x: "),
        "kind.yaml": ("kind: robot\nid: x\nspec: {}\n", "kind 'robot' is not one of"),
        "enum.yaml": ("kind: mcp-server\nid: m\nspec:\n  transport: carrier-pigeon\n",
                      "mcp-server/m: "),
    }
    for name, (body, expected) in cases.items():
        path = tmp_path / name
        path.write_text(body)
        result = await cli("apply", "-f", str(path))
        assert result.code == 4, result
        assert str(path) in result.err and expected in result.err, result

    # test-case files point at file:line:column the same way, before anything is sent
    case = tmp_path / "case.yaml"
    case.write_text("kind: test-case\nid: c\nspec:\n  target: agent/x\n  turns:\n"
                    "    - user_message: Hi\n      expect: {agnet_id: x}\n")
    result = await cli("test", "apply", "-f", str(case))
    assert result.code == 4, result
    assert f"{case}:7:16: test-case/c: turns[0].expect.agnet_id: unknown field 'agnet_id' " \
        "(did you mean 'agent_id'?)" in result.err, result
    assert await cli.data("test", "list") == []

    # Checked by the server (per entity): the violation names file, entity and field.
    hot = tmp_path / "hot.yaml"
    hot.write_text("kind: agent\nid: hot\nspec:\n  name: Hot\n  instructions: Hi.\n"
                   "  model: m\n  temperature: 7.5\n")
    result = await cli("apply", "-f", str(EXAMPLES), "-f", str(hot))
    assert result.code == 4, result
    assert lines_with(result.err, f"{hot}: agent/hot: temperature:", "between 0.0 and 2.0")
    assert await cli.data("get", "agents") == [], "an apply is all or nothing"

    twice = tmp_path / "twice.yaml"
    twice.write_text((EXAMPLES / "voice.yaml").read_text())
    result = await cli("apply", "-f", str(EXAMPLES), "-f", str(twice))
    assert result.code == 4 and "voice/warm is also defined in" in result.err


async def test_config_file_then_env_then_flags(cli: Cli, ws_id: str, tmp_path: Path) -> None:
    await start(cli, ws_id)
    address = cli.env.pop("AGENTCTL_CONFIG_ADDR")
    cli.env.pop("AGENTCTL_WORKSPACE")
    config_dir = cli.home / "config" / "agentctl"
    config_dir.mkdir(parents=True)
    (config_dir / "config.yaml").write_text(
        f"config_addr: {address}\nworkspace: {ws_id}\nuser: file-user\n")
    assert len(await cli.data("get", "agents")) == 2

    other = tmp_path / "other.yaml"
    other.write_text("config-addr: 127.0.0.1:1\nworkspace: elsewhere\n")
    named = await cli("get", "agents", env={"AGENTCTL_CONFIG": str(other)})
    assert named.code == 6 and "127.0.0.1:1" in named.err
    env_wins = await cli("get", "agents", env={"AGENTCTL_CONFIG": str(other),
                                               "AGENTCTL_CONFIG_ADDR": address})
    assert env_wins.code == 5 and "elsewhere" in env_wins.err
    flag_wins = await cli("-w", ws_id, "get", "agents", env={
        "AGENTCTL_CONFIG": str(other), "AGENTCTL_CONFIG_ADDR": address})
    assert flag_wins.code == 0, flag_wins

    await cli.ok("publish", "-m", "by the file's user", "--yes")
    edited = tmp_path / "voice.yaml"
    edited.write_text((EXAMPLES / "voice.yaml").read_text().replace("1.1", "0.9"))
    await cli.ok("apply", "-f", str(edited))
    await cli.ok("--user", "flag-user", "publish", "-m", "slower", "--yes")
    authors = [v["author"] for v in (await cli.data("history"))["versions"]]
    assert authors == ["flag-user", "file-user"]

    (config_dir / "config.yaml").write_text("colour: blue\n")
    bad = await cli("get", "agents")
    assert bad.code == 1 and "unknown key 'colour'" in bad.err
    missing = await cli("get", "agents", env={"AGENTCTL_CONFIG": str(tmp_path / "none.yaml")})
    assert missing.code == 1 and "does not exist" in missing.err


async def test_json_output_is_machine_readable(cli: Cli, ws_id: str) -> None:
    await start(cli, ws_id, publish=True)
    for args in (("workspace", "list"), ("get", "agents"), ("history",), ("show", "v1"),
                 ("diff",), ("diff", "v1", "v1"), ("channels", "list"), ("validate",)):
        result = await cli.ok(*args, "-o", "json")
        json.loads(result.out)


def test_every_status_code_has_an_exit_code() -> None:
    assert set(STATUS_ERRORS) == set(grpc.StatusCode) - {grpc.StatusCode.OK}
    documented = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
    text = documented.read_text()
    for code in Exit:
        assert f"| {int(code)} |" in text, f"exit code {int(code)} is not in docs/cli.md"
