"""Field-level diff: a table of (old, new) -> [(path, old, new)], then entity-level
added/removed/changed, and who each change reaches through references and channels."""

from __future__ import annotations

from typing import Any

import pytest

from agentconfig.diff import ChannelBinding, FieldChange, diff_specs, field_changes

RULE = {"to_agent_id": "billing", "condition": '"bill" in tags'}
SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}}

FIELD_CASES: list[tuple[str, Any, Any, list[tuple[str, Any, Any]]]] = [
    ("scalar changed", {"name": "a"}, {"name": "b"}, [("name", "a", "b")]),
    ("field added", {}, {"greeting": "hi"}, [("greeting", None, "hi")]),
    ("field removed", {"greeting": "hi"}, {}, [("greeting", "hi", None)]),
    ("scalar list changes as a whole", {"tool_ids": ["a", "b"]}, {"tool_ids": ["b", "a"]},
     [("tool_ids", ["a", "b"], ["b", "a"])]),
    ("message list item by item",
     {"handoff_rules": [RULE]},
     {"handoff_rules": [RULE | {"condition": "turn > 3"}]},
     [("handoff_rules[0].condition", '"bill" in tags', "turn > 3")]),
    ("message list grows",
     {"handoff_rules": [RULE]}, {"handoff_rules": [RULE, RULE]},
     [("handoff_rules[1]", None, RULE)]),
    ("nested struct", {"input_schema": SCHEMA},
     {"input_schema": {"type": "object", "properties": {"city": {"type": "number"}}}},
     [("input_schema.properties.city.type", "string", "number")]),
    ("nested key added", {"input_schema": SCHEMA},
     {"input_schema": SCHEMA | {"required": ["city"]}},
     [("input_schema.required", None, ["city"])]),
    ("several, sorted by path", {"a": 1, "b": 2}, {"a": 2, "b": 3},
     [("a", 1, 2), ("b", 2, 3)]),
    ("equal", {"a": [1]}, {"a": [1]}, []),
]


@pytest.mark.parametrize(("old", "new", "expected"), [c[1:] for c in FIELD_CASES],
                         ids=[c[0] for c in FIELD_CASES])
def test_field_changes(old: Any, new: Any, expected: list[tuple[str, Any, Any]]) -> None:
    assert field_changes(old, new) == [FieldChange(*e) for e in expected]


Spec = dict[str, Any]
AGENT: Spec = {"name": "Support", "tool_ids": ["weather"], "conditional_prompt_ids": ["vip"]}
SQUAD: Spec = {"name": "Desk", "member_agent_ids": ["support"], "entry_agent_id": "support"}
OLD: dict[tuple[str, str], Spec] = {
    ("tool", "weather"): {"name": "weather"}, ("agent", "support"): AGENT,
    ("squad", "desk"): SQUAD, ("conditional_prompt", "vip"): {"name": "VIP"},
    ("voice", "warm"): {"voice_name": "Aria"}}
CHANNELS = [ChannelBinding("web", "squad", "desk"), ChannelBinding("api", "agent", "support"),
            ChannelBinding("wa", "agent", "other")]


def test_added_removed_changed_in_kind_order() -> None:
    new = dict(OLD)
    del new[("voice", "warm")]
    new[("component", "card")] = {"name": "Card"}
    new[("tool", "weather")] = {"name": "weather2"}
    entries = diff_specs(OLD, new)
    assert [(e.kind, e.entity_id, e.type) for e in entries] == [
        ("tool", "weather", "changed"), ("voice", "warm", "removed"),
        ("component", "card", "added")]
    assert entries[1].changes == [FieldChange("voice_name", "Aria", None)]
    assert entries[2].changes == [FieldChange("name", None, "Card")]


def test_a_tool_change_reaches_its_agent_squad_and_channels() -> None:
    new = OLD | {("tool", "weather"): {"name": "weather2"}}
    [entry] = diff_specs(OLD, new, CHANNELS)
    assert entry.affected_agents == ["support"]
    assert entry.affected_squads == ["desk"]
    assert entry.affected_channels == ["api", "web"]


def test_removed_entity_still_reaches_its_former_users() -> None:
    new = {k: v for k, v in OLD.items() if k != ("conditional_prompt", "vip")}
    new[("agent", "support")] = AGENT | {"conditional_prompt_ids": []}
    entries = {e.entity_id: e for e in diff_specs(OLD, new, CHANNELS)}
    assert entries["vip"].type == "removed"
    assert entries["vip"].affected_agents == ["support"]
    assert entries["vip"].affected_channels == ["api", "web"]


def test_unreferenced_change_reaches_only_itself() -> None:
    new = OLD | {("voice", "warm"): {"voice_name": "Bella"}}
    [entry] = diff_specs(OLD, new, CHANNELS)
    assert (entry.affected_agents, entry.affected_squads, entry.affected_channels) == (
        [], [], [])


def test_an_agent_is_affected_by_its_own_change() -> None:
    new = OLD | {("agent", "support"): AGENT | {"name": "Helper"}}
    [entry] = diff_specs(OLD, new, CHANNELS)
    assert entry.affected_agents == ["support"] and entry.affected_squads == ["desk"]


def test_no_change_no_entries() -> None:
    assert diff_specs(OLD, dict(OLD), CHANNELS) == []
