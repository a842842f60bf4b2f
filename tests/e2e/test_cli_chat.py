"""``agentctl chat`` as a simulator (issue 9): several turns of one conversation with a
hand-off that lasts, continuing a conversation with --conversation, tool calls answered by
--mock and shown in --trace and as they happen with --stream (a runtime whose configured
model is a local fake OpenAI-compatible endpoint that asks for the weather tool)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.e2e.test_cli import Cli, cli, lines_with, start
from tests.harness.fake_model import fake_model
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["cli"]


@pytest.fixture
def model() -> Iterator[str]:
    with fake_model() as (base_url, _):
        yield base_url


@pytest_asyncio.fixture(loop_scope="session")
async def runtimes(config: ConfigHandle, redis_server: RedisServer, tmp_path: Path,
                   model: str) -> AsyncIterator[tuple[RuntimeHandle, RuntimeHandle]]:
    plain = await start_runtime_service(config.address, redis_server.url, str(tmp_path / "a"))
    modelled = await start_runtime_service(config.address, redis_server.url,
                                           str(tmp_path / "b"), responder="openai",
                                           openai_base_url=model)
    yield plain, modelled
    await plain.stop()
    await modelled.stop()


def at(cli: Cli, runtime: RuntimeHandle) -> Cli:
    cli.env["AGENTCTL_RUNTIME_ADDR"] = f"127.0.0.1:{runtime.server.port}"
    return cli


async def test_turns_of_one_conversation(cli: Cli, ws_id: str,
                                         runtimes: tuple[RuntimeHandle, RuntimeHandle]) -> None:
    rcli = at(cli, runtimes[0])
    await start(rcli, ws_id)
    run = await rcli.ok("chat", "front-desk", "-m", "hello", "-m", "where is my invoice?",
                        "-m", "thanks", "--trace")
    answering = [line.split()[-1] for line in lines_with(run.out, "answering agent:")]
    assert answering == ["support", "billing", "billing"]
    assert lines_with(run.out, "previous turn:", "billing")
    found = re.search(r"conversation (\w+) \(continue it with --conversation\)", run.err)
    assert found, run.err
    more = await rcli.ok("chat", "front-desk", "--conversation", found[1], "-m", "and now?",
                         "--trace")
    assert more.out.startswith("[Billing] ")  # the hand-off holds in the next run too
    assert "continue it" not in more.err
    streamed = await rcli.ok("chat", "front-desk", "-m", "my invoice", "--stream")
    assert streamed.out.startswith("[Billing] ")
    assert "hand-off support -> billing (rule 0: Billing questions go to the billing agent.)" \
        in streamed.err
    bad = await rcli("chat", "support", "-m", "hi", "--mock", "weather={sunny")
    assert bad.code == 2 and "not JSON" in bad.err
    unusable = await rcli("chat", "support", "-m", "hi", "--mock", "refund=1")
    assert unusable.code == 4 and "mocks[0].tool" in unusable.err


async def test_tool_calls_with_mocks(cli: Cli, ws_id: str,
                                     runtimes: tuple[RuntimeHandle, RuntimeHandle]) -> None:
    rcli = at(cli, runtimes[1])
    await start(rcli, ws_id)
    run = await rcli.ok("chat", "support", "-m", "weather in Lisbon?", "--trace",
                        "--mock", 'weather={"sky": "sunny"}')
    assert run.out.startswith('It is {"sky": "sunny"}.')
    assert lines_with(run.out, 'weather {"city": "Lisbon"} -> mocked: {"sky": "sunny"}')
    assert lines_with(run.out, "list MCP server files -> error:", "mcp.example.com")
    streamed = await rcli.ok("chat", "support", "-m", "weather in Lisbon?", "--stream",
                             "--mock-error", "weather=rate limited")
    assert 'tool weather {"city": "Lisbon"} -> error: rate limited' in streamed.err
    assert streamed.out.startswith("It is ")
