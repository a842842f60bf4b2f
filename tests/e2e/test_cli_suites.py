"""Issue 9, "What must show" item 3, through the real agentctl: a suite saved from a chat
conversation (and the example suite from YAML) passes on the Draft; an edit that changes a
hand-off makes the behavioural diff name exactly the affected cases; with the gate on,
publish is refused (TESTS_NOT_RUN, then TESTS_FAILING) until the suite passes on that
revision. A case saved from a chat whose context switched on conditional prompts replays
that context, and passes."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e.test_cli import EXAMPLES, Cli, cli, lines_with
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["cli"]
CHAT = ("Hi, I need some help.", "Where is my invoice?", "Thanks. And can I pay by card?")
RULE = """condition: '"billing" in tags || message.contains("invoice")'"""


@pytest_asyncio.fixture(loop_scope="session")
async def runtime(config: ConfigHandle, redis_server: RedisServer, tmp_path: Path,
                  ) -> AsyncIterator[RuntimeHandle]:
    handle = await start_runtime_service(config.address, redis_server.url, str(tmp_path / "r"))
    yield handle
    await handle.stop()


@pytest.fixture
def rcli(cli: Cli, runtime: RuntimeHandle) -> Cli:
    cli.env["AGENTCTL_RUNTIME_ADDR"] = f"127.0.0.1:{runtime.server.port}"
    return cli


def squad_with(tmp_path: Path, condition: str) -> str:
    path = tmp_path / "squad.yaml"
    text = (EXAMPLES / "squad.yaml").read_text()
    assert RULE in text
    path.write_text(text.replace(RULE, f"condition: '{condition}'"))
    return str(path)


async def chat_conversation(runtime: RuntimeHandle, ws: str) -> str:
    """Three turns with the squad in one conversation: the second hands over to billing."""
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    for turn, message in enumerate(CHAT, start=1):
        answer = await runtime.stub.Chat(rpb.ChatRequest(
            workspace_id=ws, target_kind=pb.ENTITY_KIND_SQUAD, target_id="front-desk",
            source=rpb.CHAT_SOURCE_DRAFT, message=message, conversation_id=conversation,
            context=rpb.ConversationContext(turn=turn)))
        assert answer.trace.answering_agent_id == ("support" if turn == 1 else "billing")
    return conversation


async def test_suite_diff_and_gate(rcli: Cli, runtime: RuntimeHandle, ws_id: str,
                                   tmp_path: Path) -> None:
    await rcli.ok("workspace", "create", ws_id)
    await rcli.ok("apply", "-f", str(EXAMPLES))
    conversation = await chat_conversation(runtime, ws_id)
    preview = await rcli.ok("test", "save", "--from-conversation", conversation, "--dry-run")
    assert "kind: test-case" in preview.out and "handoff_rule_index: 0" in preview.out
    saved = await rcli.ok("test", "save", "--from-conversation", conversation,
                          "--id", "chat-invoice")
    assert "saved test case chat-invoice (3 turn(s))" in saved.out
    applied = await rcli.ok("test", "apply", "-f", str(EXAMPLES))
    assert len(lines_with(applied.out, "created")) == 3
    again = await rcli.ok("test", "apply", "-f", str(EXAMPLES / "tests"))
    assert len(lines_with(again.out, "unchanged")) == 3
    listed = await rcli.data("test", "list")
    assert len(listed) == 4

    passed = await rcli.ok("test", "run")
    assert "4 passed, 0 failed" in passed.out, passed
    await rcli.ok("publish", "-m", "v1", "--yes", "--no-wait")

    # an edit that changes the hand-off: invoices no longer go to billing
    await rcli.ok("apply", "-f", squad_with(tmp_path, '"billing" in tags'))
    await rcli.ok("workspace", "settings", "--require-passing-tests")
    not_run = await rcli("publish", "-m", "v2", "--yes", "--no-wait")
    assert not_run.code == 4 and "TESTS_NOT_RUN" in not_run.err, not_run
    failing = await rcli("test", "run", "--compare", "production", "-o", "json")
    assert failing.code == 1, failing
    result = json.loads(failing.out)
    assert (result["run"]["passed_count"], result["run"]["failed_count"]) == (2, 2)
    diff = result["compare"]["diff"]
    assert sorted(c["test_case_id"] for c in diff["changes"]) == ["chat-invoice",
                                                                   "invoice-handoff"]
    assert diff["unchanged_count"] == 2
    changed = {(c["test_case_id"], t["index"], e["expectation"])
               for c in diff["changes"] for t in c["turns"] for e in t["expectations"]}
    assert ("invoice-handoff", 1, "agent_id") in changed
    assert ("chat-invoice", 1, "handoff_rule_index") in changed
    table = await rcli("test", "run", "--compare", "production")
    assert lines_with(table.out, "invoice-handoff", "passes -> FAILS"), table
    refused = await rcli("publish", "-m", "v2", "--yes", "--no-wait")
    assert refused.code == 4 and "TESTS_FAILING" in refused.err, refused
    assert "chat-invoice, invoice-handoff" in refused.err
    assert lines_with(refused.out, "Tests:", "2 passed, 2 failed"), refused

    # a fix on a new revision: not run there yet, then passing
    await rcli.ok("apply", "-f", squad_with(
        tmp_path, '"billing" in tags || message.contains("invoice") || message.contains("bill")'))
    assert "TESTS_NOT_RUN" in (await rcli("publish", "-m", "v2", "--yes", "--no-wait")).err
    assert "4 passed, 0 failed" in (await rcli.ok("test", "run")).out
    published = await rcli.ok("publish", "-m", "v2", "--yes", "--no-wait")
    assert "Published v2" in published.out
    assert lines_with(published.out, "Tests:", "4 passed, 0 failed")
    runs = await rcli.data("test", "runs")
    assert len(runs) == 6 and runs[0]["passed_count"] == 4


async def test_a_case_saved_from_a_chat_replays_its_context(rcli: Cli, runtime: RuntimeHandle,
                                                            ws_id: str) -> None:
    """The chat's tags, channel type and locale switch on the support agent's conditional
    prompts; the saved case expects them, so it passes only if it runs with that context."""
    await rcli.ok("workspace", "create", ws_id)
    await rcli.ok("apply", "-f", str(EXAMPLES))
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    context = rpb.ConversationContext(tags=["vip"], channel_type="whatsapp", locale="pt-BR")
    answer = await runtime.stub.Chat(rpb.ChatRequest(
        workspace_id=ws_id, target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
        source=rpb.CHAT_SOURCE_DRAFT, message="My order is late.",
        conversation_id=conversation, context=context))
    assert sorted(answer.trace.matched_conditional_prompt_ids) == ["portuguese", "vip"]
    preview = await rcli.ok("test", "save", "--from-conversation", conversation, "--dry-run")
    assert "whatsapp" in preview.out and "pt-BR" in preview.out, preview
    await rcli.ok("test", "save", "--from-conversation", conversation, "--id", "chat-vip")
    passed = await rcli.ok("test", "run")
    assert "1 passed, 0 failed" in passed.out, passed
