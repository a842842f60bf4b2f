"""Issue 3, item 4: conditional prompts and squad hand-off, as configured, for a table of
contexts; plus snapshot verification and the forward-only swap."""

from __future__ import annotations

from typing import Any

import pytest

from agentconfig.canonical import entity_hash, snapshot_hash
from agentconfig.kinds import entity_to_parts
from agentconfig.resolution.context import context_dict
from agentconfig.resolution.resolve import resolve_target
from agentconfig.resolution.snapshot import SnapshotCorrupt, build
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.service.store import WorkspaceState
from tests.harness import builders as b


def snapshot(entities: list[pb.Entity], version: int = 1) -> pb.Snapshot:
    manifest = []
    for entity in entities:
        parts = entity_to_parts(entity)
        assert parts is not None
        kind, entity_id, spec = parts
        manifest.append((kind.name, entity_id, entity_hash(kind.name, entity_id, spec)))
    return pb.Snapshot(workspace_id="ws", version=version, entities=entities,
                       content_hash=snapshot_hash(manifest))


ENTITIES = [
    b.conditional_prompt("vip", condition='"vip" in tags', prompt="VIP.", priority=10),
    b.conditional_prompt("pt", condition='locale.startsWith("pt")', prompt="PT.", priority=5),
    b.conditional_prompt("wa", condition='channel.type == "whatsapp"', prompt="Short.",
                         priority=7),
    b.conditional_prompt("plan", condition='variables.plan == "pro" && turn > 2',
                         prompt="Pro.", priority=1),
    b.agent("support", instructions="Base.",
            conditional_prompt_ids=["vip", "pt", "wa", "plan"]),
    b.agent("billing", instructions="Bills."),
    b.agent("sales", instructions="Sales."),
    b.squad("desk", ("support", "billing", "sales"), handoff_rules=[
        {"to_agent_id": "billing", "condition": 'message.contains("invoice")'},
        {"from_agent_id": "support", "to_agent_id": "sales",
         "condition": '"lead" in tags || message.contains("price")'},
        {"to_agent_id": "billing", "condition": "variables.nope.deeper == 1"},
    ]),
]
SERVING = build(snapshot(ENTITIES))


def _ctx(**kw: Any) -> dict[str, Any]:
    from google.protobuf import struct_pb2
    variables = kw.pop("variables", None)
    channel_type = kw.pop("channel_type", "")
    ctx = rpb.ConversationContext(**kw)
    if variables is not None:
        s = struct_pb2.Struct()
        s.update(variables)
        ctx.variables.CopyFrom(s)
    return context_dict(ctx, "c1", channel_type)


@pytest.mark.parametrize(("context", "instructions", "matched"), [
    ({}, "Base.", []),
    ({"tags": ["vip"]}, "Base.\n\nVIP.", ["vip"]),
    ({"tags": ["vip"], "locale": "pt-BR"}, "Base.\n\nVIP.\n\nPT.", ["vip", "pt"]),
    ({"locale": "pt", "channel_type": "whatsapp"}, "Base.\n\nShort.\n\nPT.", ["wa", "pt"]),
    ({"variables": {"plan": "pro"}, "turn": 3}, "Base.\n\nPro.", ["plan"]),
    ({"variables": {"plan": "pro"}, "turn": 1}, "Base.", []),
    ({"variables": {"plan": "free"}, "turn": 9}, "Base.", []),
])
def test_conditional_prompts_in_priority_order(context: dict[str, Any], instructions: str,
                                               matched: list[str]) -> None:
    agent, squad = resolve_target(SERVING, "agent", "support", _ctx(**context))
    assert squad is None
    assert agent.effective_instructions == instructions
    assert list(agent.matched_conditional_prompt_ids) == matched
    assert agent.agent.instructions == "Base."


@pytest.mark.parametrize(("context", "agent_id", "rule"), [
    ({"message": "hello"}, "support", -1),
    ({"message": "my invoice is wrong"}, "billing", 0),
    ({"message": "what is the price?"}, "sales", 1),
    ({"message": "invoice and price"}, "billing", 0),
    ({"tags": ["lead"]}, "sales", 1),
])
def test_squad_handoff(context: dict[str, Any], agent_id: str, rule: int) -> None:
    agent, squad = resolve_target(SERVING, "squad", "desk", _ctx(**context))
    assert squad is not None
    assert (agent.agent_id, squad.answering_agent_id, squad.handoff_rule_index) == (
        agent_id, agent_id, rule)
    assert squad.entry_agent_id == "support"


def test_a_tampered_snapshot_is_refused() -> None:
    good = snapshot(ENTITIES)
    bad = pb.Snapshot()
    bad.CopyFrom(good)
    bad.entities[4].agent.instructions = "Tampered."
    with pytest.raises(SnapshotCorrupt):
        build(bad)
    with pytest.raises(SnapshotCorrupt):
        build(good, expected_hash="0" * 64)


def test_swap_only_moves_forward() -> None:
    state = WorkspaceState("ws")
    v1, v2 = build(snapshot(ENTITIES, 1)), build(snapshot(ENTITIES, 2))
    assert state.swap(v2)
    assert not state.swap(v1)
    assert not state.swap(v2)
    assert state.current is v2


def test_channel_answers_are_memoised_by_what_conditions_read() -> None:
    from agentconfig.resolution.resolve import channel_answer
    serving = build(snapshot(ENTITIES))
    assert serving.condition_variables == ("channel", "locale", "message", "tags", "turn",
                                           "variables")

    def answer(**kw: Any) -> rpb.ResolveChannelResponse:
        return channel_answer(serving, "squad", "desk", rpb.ConversationContext(**kw),
                              "c1", "web_widget")

    first = answer(tags=["vip"], message="hi")
    assert answer(tags=["vip"], message="hi") is first  # memoised
    other = answer(tags=["vip"], message="an invoice")
    assert (first.agent.agent_id, other.agent.agent_id) == ("support", "billing")
    assert first.agent.matched_conditional_prompt_ids == ["vip"]
    remembered = len(serving.memo)
    assert answer(tags=["vip", "x"], message="hi") is first  # new context, same outcome
    assert len(serving.memo) == remembered + 1
    assert answer(message="x" * 5000) is answer(message="x" * 5000)  # one outcome ...
    assert len(serving.memo) == remembered + 2  # ... and the long context not remembered
