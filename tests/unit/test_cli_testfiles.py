"""agentctl's test-case files and "save as test case" (pure parts): the YAML form reads and
writes back the same case, mistakes name the file and case, entity files skip test-case
documents, and a chat conversation becomes a scripted case whose expectations are what was
observed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentctl import files, testfiles
from agentctl.commands.suite_save import from_conversation
from agentctl.errors import Invalid, Usage
from agentctl.yaml_marks import Marks
from tests.harness.suites import EXAMPLES, SUITE


def test_the_example_suite_reads_and_writes_back_the_same() -> None:
    cases = [c.case for c in testfiles.load([EXAMPLES])]
    assert [c.test_case_id for c in cases] == ["invoice-handoff", "order-status-mock",
                                               "conditional-prompts"]
    assert sorted(c.test_case_id for c in cases) == list(SUITE)
    again = [testfiles.case_from_doc(d, Marks("x", None)) for d in yaml.safe_load_all(
        testfiles.dump_cases(cases))]
    assert again == cases
    assert len(files.load([EXAMPLES])) == 10  # the entities alone


@pytest.mark.parametrize(("doc", "problem"), [
    ({"kind": "test-case", "spec": {}}, "x.yaml: id is required (a string)"),
    ({"kind": "test-case", "id": "a", "spec": {"target": "tool/x"}},
     "x.yaml: test-case/a: target must be agent/ID or squad/ID, not 'tool/x'"),
    ({"kind": "test-case", "id": "a", "spec": {"target": "agent/x", "responder": "gpt"}},
     "x.yaml: test-case/a: responder must be scripted or configured, not 'gpt'"),
    ({"kind": "test-case", "id": "a", "spec": {"target": "agent/x", "turns": [{"oops": 1}]}},
     "x.yaml: test-case/a: turns[0].oops: unknown field 'oops' (known: user_message, "
     "context, script, expect)"),
    ({"kind": "test-case", "id": "a", "spec": ["target"]},
     "x.yaml: test-case/a: spec must be a mapping of TestCase fields"),
    ({"kind": "test-case", "id": "a", "sepc": {}},
     "x.yaml: unknown key 'sepc' (did you mean 'spec'?)"),
])
def test_mistakes_name_the_file_and_case(doc: dict[str, object], problem: str) -> None:
    with pytest.raises(Invalid) as exc:
        testfiles.case_from_doc(doc, Marks("x.yaml", None))
    assert exc.value.message == problem


def test_an_id_defined_twice(tmp_path: Path) -> None:
    text = "kind: test-case\nid: a\nspec: {target: agent/x}\n"
    (tmp_path / "one.yaml").write_text(text)
    (tmp_path / "two.yaml").write_text(text)
    with pytest.raises(Invalid) as exc:
        testfiles.load([tmp_path])
    assert "test-case/a is also defined in" in exc.value.message


def _turn(message: str, reply: str, agent: str, rule: int, prompts: tuple[str, ...] = (),
          *calls: rpb.ToolInvocation) -> rpb.ConversationTurn:
    return rpb.ConversationTurn(user_message=message, reply=reply, agent_id=agent,
                                handoff_rule_index=rule,
                                matched_conditional_prompt_ids=prompts, tool_calls=calls)


def test_a_chat_conversation_becomes_a_scripted_case() -> None:
    call = rpb.ToolInvocation(call=rpb.ToolCall(call_id="c1", tool="order-status"),
                              outcome=rpb.TOOL_OUTCOME_MOCKED)
    call.call.arguments.update({"order_number": "AB123456"})
    call.result.string_value = "shipped"
    listing = rpb.ToolInvocation(call=rpb.ToolCall(call_id="mcp-list:files", tool="files"),
                                 outcome=rpb.TOOL_OUTCOME_ERROR, error="not listed")
    conversation = rpb.Conversation(
        source=rpb.CONVERSATION_SOURCE_CHAT, target_kind=pb.ENTITY_KIND_SQUAD,
        target_id="front-desk", turns=[
            _turn("Hi", "Hello!", "support", -1, ("vip",), listing),
            _turn("My invoice and order AB123456?", "Shipped.", "billing", 0, (), call)])
    case = from_conversation(conversation, "chat-1", "")
    assert (case.display_name, case.target_id, len(case.turns)) == ("Hi", "front-desk", 2)
    first, second = case.turns
    assert [m.reply for m in first.script.moves] == ["Hello!"]
    assert (first.expect.agent_id, first.expect.handoff_rule_index) == ("support", -1)
    assert list(first.expect.conditional_prompt_ids) == ["vip"]
    assert [c.tool for c in second.script.moves[0].tool_calls] == ["order-status"]
    assert second.script.moves[1].reply == "Shipped."
    assert second.expect.check_handoff and second.expect.handoff_rule_index == 0
    assert second.expect.tool_calls[0].arguments_subset["order_number"] == "AB123456"
    assert [(m.tool, m.result.string_value) for m in case.mocks] == [("order-status",
                                                                     "shipped")]
    with pytest.raises(Usage):
        from_conversation(rpb.Conversation(source=rpb.CONVERSATION_SOURCE_CHANNEL), "x", "")


def test_a_saved_case_replays_each_turns_context() -> None:
    tagged = rpb.ConversationContext(channel_type="whatsapp", locale="pt-BR", tags=["vip"],
                                     message="Hi", turn=0)
    tagged.variables.update({"plan": "gold"})
    first, second = _turn("Hi", "Hello!", "support", -1), _turn("More", "Sure.", "support", -1)
    first.context.CopyFrom(tagged)
    second.context.CopyFrom(rpb.ConversationContext(tags=["late"], message="other", turn=2))
    conversation = rpb.Conversation(source=rpb.CONVERSATION_SOURCE_CHAT,
                                    target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
                                    turns=[first, second, _turn("Old", "", "support", -1)])
    one, two, old = (t.context for t in from_conversation(conversation, "c", "").turns)
    assert (one.channel_type, one.locale, list(one.tags)) == ("whatsapp", "pt-BR", ["vip"])
    assert one.variables["plan"] == "gold"
    assert (one.message, one.turn) == ("", 0)  # the runner fills the user's message and 1
    assert (list(two.tags), two.message, two.turn) == (["late"], "other", 0)
    assert old == rpb.ConversationContext()  # recorded before contexts were kept
