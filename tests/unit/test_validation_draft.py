"""What spans entities: references that must resolve inside the Draft, and channels bound
to what the Draft no longer has."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agentconfig.kinds import entity_to_parts
from config_service.domain.model import Channel, Key, Spec
from config_service.domain.validation import validate_draft
from tests.harness import builders as b


def _specs(*entities: object) -> dict[Key, Spec]:
    out: dict[Key, Spec] = {}
    for entity in entities:
        kind, entity_id, spec = entity_to_parts(entity)  # type: ignore[arg-type,misc]
        out[(kind.name, entity_id)] = spec
    return out


def _channel(target_kind: str, target_id: str, channel_id: str = "web") -> Channel:
    at = datetime.now(UTC)
    return Channel("ws", channel_id, "Web", "web_widget", target_kind, target_id, "e", at, at)


FULL = _specs(
    b.tool("weather"), b.voice("warm"), b.component("card"), b.mcp_server("files"),
    b.conditional_prompt("vip"),
    b.agent("support", tool_ids=["weather"], voice_id="warm", component_ids=["card"],
            mcp_server_ids=["files"], conditional_prompt_ids=["vip"]),
    b.agent("billing"),
    b.squad("desk", ("support", "billing"), handoff_rules=[
        {"from_agent_id": "support", "to_agent_id": "billing", "condition": "turn > 1"}]))


def test_a_complete_draft_is_valid() -> None:
    assert validate_draft(FULL, [_channel("squad", "desk"), _channel("agent", "billing")]) == []


@pytest.mark.parametrize(("missing", "expected"), [
    (("tool", "weather"), ["agent/support.tool_ids[0]"]),
    (("voice", "warm"), ["agent/support.voice_id"]),
    (("component", "card"), ["agent/support.component_ids[0]"]),
    (("mcp_server", "files"), ["agent/support.mcp_server_ids[0]"]),
    (("conditional_prompt", "vip"), ["agent/support.conditional_prompt_ids[0]"]),
    (("agent", "billing"), ["squad/desk.handoff_rules[0].to_agent_id",
                            "squad/desk.member_agent_ids[1]"]),
])
def test_dangling_reference(missing: Key, expected: list[str]) -> None:
    specs = {k: v for k, v in FULL.items() if k != missing}
    problems = validate_draft(specs)
    assert sorted(p.field for p in problems) == expected
    assert {p.reason for p in problems} == {"DANGLING_REFERENCE"}
    assert all(missing[1] in p.description for p in problems)
    assert {(p.kind, p.entity_id) for p in problems} == {
        tuple(f.split(".")[0].split("/")) for f in expected}


def test_channel_bound_to_a_deleted_agent() -> None:
    specs = {k: v for k, v in FULL.items() if k != ("squad", "desk")}
    problems = validate_draft(specs, [_channel("squad", "desk"), _channel("agent", "support",
                                                                          "api")])
    assert [(p.field, p.reason, p.kind, p.entity_id) for p in problems] == [
        ("channel/web.target_id", "CHANNEL_TARGET_MISSING", "channel", "web")]


def test_entity_problems_carry_kind_id_and_full_path() -> None:
    specs = dict(FULL)
    specs[("tool", "weather")] = dict(specs[("tool", "weather")], timeout_ms=-5)
    [problem] = validate_draft(specs)
    assert (problem.field, problem.reason, problem.kind, problem.entity_id) == (
        "tool/weather.timeout_ms", "OUT_OF_RANGE", "tool", "weather")


def test_every_problem_is_listed() -> None:
    specs = {k: v for k, v in FULL.items() if k[0] != "tool"}
    specs[("voice", "warm")] = {}
    problems = validate_draft(specs, [_channel("agent", "gone")])
    assert sorted(p.field for p in problems) == [
        "agent/support.tool_ids[0]", "channel/web.target_id", "voice/warm.provider_id",
        "voice/warm.voice_name"]
