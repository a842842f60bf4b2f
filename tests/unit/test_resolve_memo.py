"""The read path's caches (issue 11): channel answers memoised per snapshot by context
values and by outcome give exactly what evaluating every condition with CEL gives; the
memo is bounded and belongs to one snapshot; a condition is compiled once per text."""

from __future__ import annotations

from google.protobuf import struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from agentconfig.conditions import compile_condition
from agentconfig.resolution.context import context_dict
from agentconfig.resolution.resolve import MAX_MEMO, channel_answer, resolve_target
from agentconfig.resolution.snapshot import build
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.unit.test_runtime_resolve import ENTITIES, snapshot

MEMOISED = build(snapshot(ENTITIES))  # shared by every example: its memo fills up
words = st.sampled_from(["", "vip", "lead", "pt-BR", "en", "an invoice", "price?", "pro"])
requests = st.builds(
    lambda tags, message, locale, turn, plan, kind: (rpb.ConversationContext(
        tags=tags, message=message, locale=locale, turn=turn,
        variables=struct_pb2.Struct(fields={"plan": struct_pb2.Value(string_value=plan)})
        if plan else None), kind),
    st.lists(words, max_size=2), words, words, st.integers(0, 4),
    st.sampled_from(["", "pro", "free"]), st.sampled_from(["web_widget", "whatsapp"]))


@settings(max_examples=300, deadline=None)
@given(requests, st.sampled_from(["", "support", "billing", "gone"]),
       st.sampled_from([("squad", "desk"), ("agent", "support")]))
def test_memoised_answers_equal_cel_evaluation(
        request: tuple[rpb.ConversationContext, str], current: str,
        target: tuple[str, str]) -> None:
    context, channel_type = request
    answer = channel_answer(MEMOISED, *target, context, "c1", channel_type, current)
    fresh = build(snapshot(ENTITIES))  # no memo; conditions evaluated by CEL (untyped)
    agent, squad = resolve_target(fresh, *target, context_dict(context, "c1", channel_type),
                                  current)
    assert answer.agent == agent
    assert answer.squad == (squad or rpb.SquadTrace())
    assert answer.served_from == MEMOISED.served_from


def test_memo_is_bounded_and_per_snapshot() -> None:
    serving = build(snapshot(ENTITIES))
    for i in range(3 * MAX_MEMO):
        channel_answer(serving, "squad", "desk", rpb.ConversationContext(message=f"m {i}"),
                       "c1", "web_widget")
        assert len(serving.memo) <= MAX_MEMO + 1
    changed = [e for e in ENTITIES if e.id != "billing"]
    billing = next(e for e in ENTITIES if e.id == "billing")
    renamed = type(billing)()
    renamed.CopyFrom(billing)
    renamed.agent.instructions = "Invoices, v2."
    newer = build(snapshot([*changed, renamed], version=2))
    request = rpb.ConversationContext(message="an invoice")
    old = channel_answer(serving, "squad", "desk", request, "c1", "web_widget")
    new = channel_answer(newer, "squad", "desk", request, "c1", "web_widget")
    assert (old.agent.effective_instructions, new.agent.effective_instructions) == (
        "Bills.", "Invoices, v2.")
    assert new.served_from.version == 2 and newer.memo is not serving.memo


def test_a_condition_is_compiled_once_per_text() -> None:
    assert compile_condition('"vip" in tags') is compile_condition('"vip" in tags')
    assert compile_condition('"vip" in tags').fast is not None
    assert compile_condition('variables.plan == "pro"').fast is None  # CEL's
