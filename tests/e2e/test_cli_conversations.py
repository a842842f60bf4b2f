"""agentctl conversations list|show (issue 9): the conversations a runtime recorded, newest
first and filtered, and one with every turn, through the real CLI."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e.test_cli import Cli, cli, lines_with
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["cli"]


async def test_list_and_show(cli: Cli, config: ConfigHandle, redis_server: RedisServer,
                             tmp_path: Path, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    runtime = await start_runtime_service(config.address, redis_server.url, str(tmp_path))
    cli.env["AGENTCTL_RUNTIME_ADDR"] = f"127.0.0.1:{runtime.server.port}"
    try:
        for conversation, messages in (("older", ["hi"]),
                                       ("newer", ["hello", "my invoice", "thanks"])):
            for message in messages:
                await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                    workspace_id=ws_id, channel_id="web", conversation_id=conversation,
                    context=rpb.ConversationContext(message=message)))
        listed = await cli.data("conversations", "list")
        assert [c["conversation_id"] for c in listed["conversations"]] == ["newer", "older"]
        assert [c["conversation_id"] for c in (await cli.data(
            "conversations", "list", "--agent", "billing"))["conversations"]] == ["newer"]
        assert (await cli.data("conversations", "list", "--source", "chat"))[
            "conversations"] == []
        table = (await cli.ok("conversations", "list", "--version", "v1")).out
        assert lines_with(table, "newer", "channel web", "v1", "billing", "3")

        shown = (await cli.ok("conversations", "show", "newer")).out
        assert "newer: channel web, started on v1, 3 turns, current agent billing" in shown
        assert lines_with(shown, "2", "billing", "rule 0", "v1 (pinned)", "my invoice")
        assert lines_with(shown, "3", "billing", "v1 (pinned)", "thanks")
        missing = await cli("conversations", "show", "nope")
        assert missing.code != 0 and "not found" in missing.err
    finally:
        await runtime.stop()
