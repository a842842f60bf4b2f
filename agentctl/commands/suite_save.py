"""``test save``: keep a test case, from an internal-chat conversation (what was observed
becomes the case's expectations and script, its tool results the mocks: review it with
``--dry-run``, edit, ``test apply -f``) or from YAML files (``-f``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from agentctl import testfiles
from agentctl.client import Connection
from agentctl.commands import conn
from agentctl.errors import Invalid, Usage
from agentctl.output import say

MOCKABLE = (rpb.TOOL_OUTCOME_MOCKED, rpb.TOOL_OUTCOME_CALLED, rpb.TOOL_OUTCOME_ERROR)
LISTING = "mcp-list:"  # an MCP server that could not be listed: not a call the model made


def _calls(turn: rpb.ConversationTurn) -> list[rpb.ToolInvocation]:
    return [t for t in turn.tool_calls if not t.call.call_id.startswith(LISTING)]


def _mock(invocation: rpb.ToolInvocation) -> rpb.ToolMock | None:
    if invocation.outcome not in MOCKABLE:
        return None
    if invocation.outcome == rpb.TOOL_OUTCOME_ERROR:
        return rpb.ToolMock(tool=invocation.call.tool, error=invocation.error or "error")
    return rpb.ToolMock(tool=invocation.call.tool, result=invocation.result)


def _context(turn: rpb.ConversationTurn, number: int) -> rpb.ConversationContext:
    """The context the chat ran the turn with, less what the case runner fills itself (the
    message, when it is the user's; the turn number, when it is this turn's)."""
    context = rpb.ConversationContext()
    context.CopyFrom(turn.context)
    if context.message == turn.user_message:
        context.ClearField("message")
    if context.turn == number:
        context.ClearField("turn")
    return context


def _turn(case: tpb.TestCase, turn: rpb.ConversationTurn, squad: bool) -> None:
    calls = _calls(turn)
    added = case.turns.add(user_message=turn.user_message,
                           context=_context(turn, len(case.turns) + 1))
    if calls:
        added.script.moves.add(tool_calls=[c.call for c in calls])
    if turn.reply:
        added.script.moves.add(reply=turn.reply)
    expect = added.expect
    expect.agent_id = turn.agent_id
    if squad:
        expect.check_handoff, expect.handoff_rule_index = True, turn.handoff_rule_index
    expect.check_conditional_prompts = True
    expect.conditional_prompt_ids.extend(turn.matched_conditional_prompt_ids)
    for c in calls:
        expect.tool_calls.add(tool=c.call.tool, arguments_subset=c.call.arguments)


def from_conversation(conversation: rpb.Conversation, case_id: str, name: str,
                      ) -> tpb.TestCase:
    """What the conversation showed, as expectations; its tool results as mocks."""
    if conversation.source != rpb.CONVERSATION_SOURCE_CHAT or not conversation.target_id:
        raise Usage("only internal-chat conversations (agentctl chat) can be saved as test "
                    "cases")
    squad = conversation.target_kind == pb.ENTITY_KIND_SQUAD
    first = conversation.turns[0].user_message if conversation.turns else ""
    case = tpb.TestCase(test_case_id=case_id, display_name=name or first[:200],
                        target_kind=conversation.target_kind,
                        target_id=conversation.target_id,
                        responder=rpb.RESPONDER_KIND_SCRIPTED)
    mocks: dict[str, rpb.ToolMock] = {}
    for turn in conversation.turns:
        _turn(case, turn, squad)
        for c in _calls(turn):
            found = _mock(c)
            if found is not None:
                mocks.setdefault(c.call.tool, found)
    case.mocks.extend(mocks.values())
    return case


def _create(c: Connection, case: tpb.TestCase, where: str) -> None:
    try:
        c.call(c.stub.CreateTestCase, tpb.CreateTestCaseRequest(workspace_id=c.workspace,
                                                                test_case=case))
    except Invalid as exc:
        raise Invalid(f"{where}: {exc.message}", exc.violations) from None
    say(f"saved test case {case.test_case_id} ({len(case.turns)} turn(s)) from {where}")


def save(ctx: typer.Context,
         conversation_id: Annotated[str | None, typer.Option(
             "--from-conversation", metavar="ID", help="An internal-chat conversation.")]
         = None,
         files: Annotated[list[Path] | None, typer.Option(
             "--filename", "-f", help="YAML test-case files instead.")] = None,
         case_id: Annotated[str | None, typer.Option(
             "--id", help="The new case's id (default: chat-<conversation id>).")] = None,
         name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
         dry_run: Annotated[bool, typer.Option(
             "--dry-run", help="Print the case as YAML instead of saving it.")] = False,
         ) -> None:
    """Save a test case from a chat conversation, or from YAML files."""
    if (conversation_id is None) == (not files):
        raise Usage("pass --from-conversation ID or -f FILE")
    c = conn(ctx)
    if files:
        for item in testfiles.load(files):
            _create(c, item.case, item.path)
        return
    assert conversation_id is not None
    found = c.runtime_call(c.runtime.GetConversation, rpb.GetConversationRequest(
        workspace_id=c.workspace, conversation_id=conversation_id)).conversation
    case = from_conversation(found, case_id or f"chat-{conversation_id[:40].lower()}", name)
    if dry_run:
        typer.echo(testfiles.dump_cases([case]), nl=False)
        return
    _create(c, case, f"conversation {conversation_id}")
