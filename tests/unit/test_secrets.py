"""No version ever stores a secret: values that look like one are refused with their path."""

from __future__ import annotations

import pytest

from config_service.domain.validation import check_entity

SECRETS = [
    "sk-proj-abcdefghijklmnopqrstuvwxyz012345",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "xoxb-1234567890-abcdefghij",
    "AIzaSyA-abcdefghijklmnopqrstuvwxyz01234",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "-----BEGIN RSA PRIVATE KEY-----",
    "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
    "https://admin:hunter2@db.example.com/x",
    "use api_key=abcd1234efgh5678 for the call",
    "password: correcthorsebattery",
    "agc_0123456789ab_abcdefghijklmnopqrstuvwxyz0123",
    "sk_live_abcdefghijklmnop1234",
]
HARMLESS = [
    "Never ask the customer for their password.",
    "Use the token from the connection.",
    "Explain what an API key is, briefly.",
    "https://api.example.com/orders",
    "secret: no",
]


def _agent(instructions: str) -> dict[str, str]:
    return {"name": "A", "model": "m", "instructions": instructions}


@pytest.mark.parametrize("text", SECRETS)
def test_secrets_are_refused_with_their_path(text: str) -> None:
    problems = check_entity("agent", "a", _agent(f"Hello. {text}"),
                            spec_path="entity.agent.", id_path="entity.id")
    assert [(p.field, p.reason) for p in problems] == [
        ("entity.agent.instructions", "SECRET_IN_CONFIG")]


@pytest.mark.parametrize("text", HARMLESS)
def test_ordinary_text_passes(text: str) -> None:
    assert check_entity("agent", "a", _agent(text), spec_path="entity.agent.",
                        id_path="entity.id") == []


def test_nested_values_are_searched() -> None:
    spec = {"name": "t", "description": "d", "endpoint_url": "https://x.example.com/a",
            "input_schema": {"type": "object", "properties": {"q": {
                "type": "string", "default": "sk-abcdefghijklmnopqrstuvwxyz"}}}}
    problems = check_entity("tool", "t", spec, spec_path="entity.tool.", id_path="entity.id")
    assert [p.field for p in problems] == ["entity.tool.input_schema.properties.q.default"]
