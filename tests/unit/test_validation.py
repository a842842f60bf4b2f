"""Every rule of config_service/domain/validation.py, per kind: a valid entity with one
mutation gives exactly the expected (field path, reason) problems."""

from __future__ import annotations

from typing import Any

import pytest

from agentconfig.kinds import entity_to_parts
from config_service.domain import limits as L
from config_service.domain.model import Spec
from config_service.domain.validation import check_entity
from tests.harness import builders as b

DROP: Any = object()
VALID: dict[str, Spec] = {}
for _entity in (b.agent(), b.squad(members=("support", "billing")), b.tool(),
                b.mcp_server(), b.voice(), b.component(), b.conditional_prompt()):
    _kind, _id, _spec = entity_to_parts(_entity)  # type: ignore[misc]
    VALID[_kind.name] = _spec

LONG = "x" * 100_000
RULE = {"to_agent_id": "billing", "condition": "turn > 2"}

# (kind, mutation, expected sorted [(field, reason)])
CASES: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("agent", {"name": DROP}, [("name", "REQUIRED")]),
    ("agent", {"name": "   "}, [("name", "REQUIRED")]),
    ("agent", {"instructions": DROP}, [("instructions", "REQUIRED")]),
    ("agent", {"model": DROP}, [("model", "REQUIRED")]),
    ("agent", {"name": "n" * (L.MAX_NAME + 1)}, [("name", "TOO_LONG")]),
    ("agent", {"instructions": LONG}, [("instructions", "TOO_LONG")]),
    ("agent", {"greeting": LONG}, [("greeting", "TOO_LONG")]),
    ("agent", {"language": "english!"}, [("language", "BAD_LANGUAGE")]),
    ("agent", {"language": "en\n"}, [("language", "BAD_LANGUAGE")]),
    ("agent", {"temperature": 2.5}, [("temperature", "OUT_OF_RANGE")]),
    ("agent", {"temperature": -0.1}, [("temperature", "OUT_OF_RANGE")]),
    ("agent", {"temperature": "NaN"}, [("temperature", "OUT_OF_RANGE")]),
    ("agent", {"tool_ids": ["a", "a"]}, [("tool_ids", "DUPLICATE")]),
    ("agent", {"tool_ids": [f"t{i}" for i in range(L.MAX_LIST + 1)]},
     [("tool_ids", "TOO_MANY")]),
    ("agent", {"mcp_server_ids": ["ok", "Not OK"]}, [("mcp_server_ids[1]", "BAD_ID")]),
    ("agent", {"component_ids": ["-x"]}, [("component_ids[0]", "BAD_ID")]),
    ("agent", {"conditional_prompt_ids": ["x\n"]}, [("conditional_prompt_ids[0]", "BAD_ID")]),
    ("agent", {"voice_id": "UPPER"}, [("voice_id", "BAD_ID")]),
    ("squad", {"name": DROP}, [("name", "REQUIRED")]),
    ("squad", {"description": LONG}, [("description", "TOO_LONG")]),
    ("squad", {"member_agent_ids": DROP},
     [("entry_agent_id", "NOT_A_MEMBER"), ("member_agent_ids", "REQUIRED")]),
    ("squad", {"member_agent_ids": ["support", "support"]},
     [("member_agent_ids", "DUPLICATE")]),
    ("squad", {"entry_agent_id": DROP}, [("entry_agent_id", "REQUIRED")]),
    ("squad", {"entry_agent_id": "stranger"}, [("entry_agent_id", "NOT_A_MEMBER")]),
    ("squad", {"handoff_rules": [RULE] * (L.MAX_LIST + 1)}, [("handoff_rules", "TOO_MANY")]),
    ("squad", {"handoff_rules": [RULE | {"from_agent_id": "stranger"}]},
     [("handoff_rules[0].from_agent_id", "NOT_A_MEMBER")]),
    ("squad", {"handoff_rules": [RULE, RULE | {"to_agent_id": "stranger"}]},
     [("handoff_rules[1].to_agent_id", "NOT_A_MEMBER")]),
    ("squad", {"handoff_rules": [{"condition": "turn > 2"}]},
     [("handoff_rules[0].to_agent_id", "REQUIRED")]),
    ("squad", {"handoff_rules": [RULE | {"condition": "turn >"}]},
     [("handoff_rules[0].condition", "BAD_CONDITION")]),
    ("squad", {"handoff_rules": [RULE | {"description": LONG}]},
     [("handoff_rules[0].description", "TOO_LONG")]),
    ("tool", {"description": DROP}, [("description", "REQUIRED")]),
    ("tool", {"name": "has space"}, [("name", "BAD_NAME")]),
    ("tool", {"name": DROP}, [("name", "BAD_NAME")]),
    ("tool", {"endpoint_url": DROP}, [("endpoint_url", "REQUIRED")]),
    ("tool", {"endpoint_url": "ftp://x.example/"}, [("endpoint_url", "BAD_URL")]),
    ("tool", {"endpoint_url": "https://x.example/" + "a" * L.MAX_URL},
     [("endpoint_url", "TOO_LONG")]),
    ("tool", {"timeout_ms": L.MAX_TIMEOUT_MS + 1}, [("timeout_ms", "OUT_OF_RANGE")]),
    ("tool", {"timeout_ms": -1}, [("timeout_ms", "OUT_OF_RANGE")]),
    ("tool", {"method": 42}, [("method", "BAD_ENUM")]),
    ("tool", {"input_schema": DROP}, [("input_schema", "REQUIRED")]),
    ("tool", {"input_schema": {"type": "object", "description": LONG}},
     [("input_schema", "TOO_LARGE")]),
    ("tool", {"input_schema": {"type": "string"}}, [("input_schema.type", "BAD_SCHEMA")]),
    ("tool", {"input_schema": {"type": "object", "properties": {"city": {"type": 12.0}}}},
     [("input_schema.properties.city.type", "BAD_SCHEMA")]),
    ("tool", {"input_schema": {"type": "object", "required": "city"}},
     [("input_schema.required", "BAD_SCHEMA")]),
    ("mcp_server", {"name": DROP}, [("name", "REQUIRED")]),
    ("mcp_server", {"transport": DROP}, [("transport", "REQUIRED")]),
    ("mcp_server", {"transport": 99}, [("transport", "BAD_ENUM")]),
    ("mcp_server", {"url": DROP}, [("url", "REQUIRED")]),
    ("mcp_server", {"url": "not a url"}, [("url", "BAD_URL")]),
    ("mcp_server", {"transport": "MCP_TRANSPORT_STDIO"}, [("command", "REQUIRED")]),
    ("mcp_server", {"allowed_tools": ["t"] * (L.MAX_LIST + 1)}, [("allowed_tools", "TOO_MANY")]),
    ("voice", {"provider_id": DROP}, [("provider_id", "REQUIRED")]),
    ("voice", {"voice_name": DROP}, [("voice_name", "REQUIRED")]),
    ("voice", {"language": "x"}, [("language", "BAD_LANGUAGE")]),
    ("voice", {"speed": 5.0}, [("speed", "OUT_OF_RANGE")]),
    ("voice", {"speed": 0.1}, [("speed", "OUT_OF_RANGE")]),
    ("voice", {"speed": "Infinity"}, [("speed", "OUT_OF_RANGE")]),
    ("component", {"name": DROP}, [("name", "REQUIRED")]),
    ("component", {"template": DROP}, [("template", "REQUIRED")]),
    ("component", {"template": LONG}, [("template", "TOO_LONG")]),
    ("component", {"type": DROP}, [("type", "REQUIRED")]),
    ("component", {"type": 99}, [("type", "BAD_ENUM")]),
    ("conditional_prompt", {"name": DROP}, [("name", "REQUIRED")]),
    ("conditional_prompt", {"prompt": DROP}, [("prompt", "REQUIRED")]),
    ("conditional_prompt", {"prompt": LONG}, [("prompt", "TOO_LONG")]),
    ("conditional_prompt", {"condition": DROP}, [("condition", "BAD_CONDITION")]),
    ("conditional_prompt", {"condition": "tags.exists("}, [("condition", "BAD_CONDITION")]),
    ("conditional_prompt", {"condition": "user.vip"}, [("condition", "BAD_CONDITION")]),
]


def _mutate(spec: Spec, mutation: dict[str, Any]) -> Spec:
    out = dict(spec) | mutation
    return {k: v for k, v in out.items() if v is not DROP}


@pytest.mark.parametrize("kind", sorted(VALID))
def test_valid_entities_pass(kind: str) -> None:
    assert check_entity(kind, "ok-1", VALID[kind], spec_path="", id_path="id") == []


@pytest.mark.parametrize(("kind", "mutation", "expected"), CASES,
                         ids=[f"{c[0]}-{'-'.join(c[1])}-{i}" for i, c in enumerate(CASES)])
def test_rule(kind: str, mutation: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    problems = check_entity(kind, "ok-1", _mutate(VALID[kind], mutation),
                            spec_path="", id_path="id")
    assert sorted((p.field, p.reason) for p in problems) == sorted(expected)
    assert all(p.description for p in problems)


@pytest.mark.parametrize("bad_id", ["", "Upper", "-lead", "a" * 64, "sp ace", "x\n", "é"])
def test_bad_entity_id(bad_id: str) -> None:
    problems = check_entity("voice", bad_id, VALID["voice"], spec_path="entity.voice.",
                            id_path="entity.id")
    assert [(p.field, p.reason) for p in problems] == [("entity.id", "BAD_ID")]


def test_spec_path_prefixes_every_field() -> None:
    problems = check_entity("squad", "desk", _mutate(VALID["squad"], {
        "handoff_rules": [RULE | {"condition": "nope("}]}),
        spec_path="entities[2].squad.", id_path="entities[2].id")
    assert [p.field for p in problems] == ["entities[2].squad.handoff_rules[0].condition"]
