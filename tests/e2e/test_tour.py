"""The README's five-minute tour, run as written: its commands are read from the README's
``sh`` block and run through the real ``agentctl`` against ``agentconfig-dev`` (the run
command's embedded mode) on free ports and a fresh data directory. The README's commands use
the default addresses, so the test points agentctl at the real ones through the environment.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
from pathlib import Path

from tests.e2e.test_cli import AGENTCTL, Run, lines_with
from tests.e2e.test_embedded import _start, _stop

ROOT = Path(__file__).resolve().parents[2]
PREFIXES = (".venv/bin/agentctl", "agentctl")


def tour_commands(readme: str) -> list[list[str]]:
    """The agentctl commands of the tour's ``sh`` block, in order, as argv lists."""
    section = readme.split("## Five-minute tour", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the tour has no ```sh block"
    commands = []
    for line in block[1].splitlines():
        argv = shlex.split(line, comments=True)
        if argv and argv[0] in PREFIXES:
            commands.append([AGENTCTL, *argv[1:]])
    return commands


async def run(argv: list[str], env: dict[str, str]) -> Run:
    proc = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return Run(proc.returncode, out.decode(), err.decode())


def only(results: list[tuple[str, Run]], command: str, nth: int = 0) -> Run:
    found = [r for c, r in results if c == command]
    assert len(found) > nth, f"the tour no longer runs `{command}`"
    return found[nth]


async def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = tour_commands(readme)
    assert len(commands) >= 15
    # the one non-agentctl line: the key the run command printed, read from its data folder
    assert 'export AGENTCTL_KEY="$(cat .data/operator.key)"' in readme
    proc, config, runtime, _ = await _start(tmp_path / "data")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCTL_")}
    env |= {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
            "XDG_STATE_HOME": str(tmp_path / "state"), "COLUMNS": "200", "NO_COLOR": "1",
            "AGENTCTL_CONFIG_ADDR": config, "AGENTCTL_RUNTIME_ADDR": runtime,
            "AGENTCTL_KEY": (tmp_path / "data" / "operator.key").read_text().strip()}
    results: list[tuple[str, Run]] = []
    try:
        for argv in commands:
            result = await run(argv, env)
            shown = shlex.join(["agentctl", *argv[1:]])
            assert result.code == 0, f"{shown}\n{result}"
            assert "Traceback" not in result.err, result
            results.append((shown, result))
        # beyond the README: `diff --exit-code` gates a script (0: the Draft is Production)
        same = await run([AGENTCTL, "-w", "shop", "diff", "--exit-code"], env)
        assert same.code == 0 and "No differences." in same.out, same
        # a planted error is caught by validate and refused by publish
        planted = tmp_path / "planted.yaml"
        planted.write_text("kind: agent\nid: helper\nspec:\n  name: Helper\n"
                           "  instructions: Help.\n  model: gpt-4o-mini\n"
                           "  tool_ids: [no-such-tool]\n")
        assert (await run([AGENTCTL, "-w", "shop", "apply", "-f", str(planted)], env)).code == 0
        differs = await run([AGENTCTL, "diff", "--exit-code", "-w", "shop"], env)
        assert differs.code == 1 and "+ agent/helper  (added)" in differs.out, differs
        invalid = await run([AGENTCTL, "-w", "shop", "validate"], env)
        assert invalid.code == 4, invalid
        assert lines_with(invalid.out, str(planted), "agent/helper", "tool_ids[0]",
                          "DANGLING_REFERENCE"), invalid
        refused = await run([AGENTCTL, "-w", "shop", "publish", "-m", "broken", "--yes"], env)
        assert refused.code == 4 and "Traceback" not in refused.err, refused
        # a misspelt key is refused at its line and column, with the name it was meant to be
        typo = tmp_path / "typo.yaml"
        typo.write_text("kind: agent\nid: helper\nspec:\n  name: Helper\n"
                        "  modle: gpt-4o-mini\n")
        misspelt = await run([AGENTCTL, "-w", "shop", "apply", "-f", str(typo)], env)
        assert misspelt.code == 4, misspelt
        assert (f"error: {typo}:5:3: agent/helper: modle: unknown field 'modle' "
                "(did you mean 'model'?)") in misspelt.err, misspelt
        # a second run command while the first runs: one line naming the port, exit non-zero
        second = await run([str(ROOT / "scripts" / "run.sh"), "--data-dir",
                            str(tmp_path / "second"), "--config-listen", config,
                            "--runtime-listen", runtime], env)
        assert second.code != 0 and len(second.err.strip().splitlines()) == 1, second
        assert config in second.err and "already in use" in second.err, second
        assert "Traceback" not in second.out + second.err, second
    finally:
        assert await _stop(proc) == 0

    assert "demo: v1 live on 1 of 1 replicas" in only(results, "agentctl -w demo status").out
    assert len(lines_with(only(results, "agentctl -w shop apply -f examples/").out,
                          "created")) == 10
    chat = only(results, "agentctl -w shop chat front-desk -m 'Where is my invoice?' --trace")
    reply = chat.out.splitlines()[0]
    assert reply.startswith("[Billing] ")
    assert lines_with(chat.out, "answering agent:", "billing")
    assert lines_with(chat.out, "served from:", "draft revision 1")

    assert len(lines_with(only(results, "agentctl -w shop test apply -f examples/tests/").out,
                          "created")) == 3
    assert "3 passed, 0 failed" in only(results, "agentctl -w shop test run").out
    compared = only(results, "agentctl -w shop test run --compare production").out
    assert "0 case(s) change, 3 unchanged" in compared, compared

    first = only(results, "agentctl -w shop publish -m 'first version' --yes")
    assert "Published v1" in first.out
    # the replica in the same process loads a workspace on its publish and reports it
    assert "v1 live on 1 of 1 replicas" in first.err, first
    assert lines_with(first.out, "Tests:", "3 passed, 0 failed")
    status = only(results, "agentctl -w shop status")
    assert "shop: v1 live on 1 of 1 replicas" in status.out
    assert lines_with(status.out, "embedded", "v1")

    edit = only(results, "agentctl -w shop diff", 1).out.splitlines()
    at = edit.index("    ~ instructions:")  # a long text: a line-level diff under the field
    assert edit[at + 1].lstrip().startswith("@@ ")
    assert "        -You are the support agent of Acme. Answer politely and briefly." in edit
    assert "        +You are the support agent of Acme. Answer politely, in one sentence." \
        in edit
    edited = only(results, "agentctl -w shop chat support -m Hello --trace")
    assert "Answer politely, in one sentence." in edited.out
    second = only(results, "agentctl -w shop publish -m 'shorter answers' --yes")
    assert "Published v2" in second.out
    assert "v2 live on 1 of 1 replicas" in second.err

    rollback = only(results, "agentctl -w shop rollback v1 --yes")
    assert "Published v3" in rollback.out
    assert "agentctl -w shop backups restore " in rollback.err
    history = only(results, "agentctl -w shop history", 1).out
    assert "restored from v1" in history
    # piped, every version's content hash prints whole, on its version's line
    assert len([line for line in history.splitlines()
                if re.search(r"\bv[123]\b.*\b[0-9a-f]{64}\b", line)]) == 3, history
    assert "shop: v3 live on 1 of 1 replicas" in only(results, "agentctl -w shop status", 1).out
    old = only(results, "agentctl -w shop chat support --version 1 -m Hello")
    assert old.out.startswith("[Support] ")
