"""Mistakes in entity YAML files point at file:line:column (agentctl/files.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentctl.errors import Invalid
from agentctl.files import load


def problem(tmp_path: Path, body: str) -> str:
    path = tmp_path / "entity.yaml"
    path.write_text(body)
    with pytest.raises(Invalid) as caught:
        load([path])
    return caught.value.message.replace(str(path), "FILE")


def test_a_misspelt_field_names_its_place_and_the_closest_name(tmp_path: Path) -> None:
    found = problem(tmp_path, "kind: agent\nid: x\nspec:\n  name: X\n  modle: gpt-4o\n")
    assert found == "FILE:5:3: agent/x: modle: unknown field 'modle' (did you mean 'model'?)"
    nested = problem(tmp_path, "kind: squad\nid: s\nspec:\n  handoff_rules:\n"
                               "    - to_agent_id: a\n      condtion: 'true'\n")
    assert nested.startswith("FILE:6:7: squad/s: handoff_rules[0].condtion: unknown field")
    assert "did you mean 'condition'?" in nested
    top = problem(tmp_path, "kind: agent\nid: x\nspce: {}\n")
    assert top == "FILE:3:1: unknown key 'spce' (did you mean 'spec'?)"


def test_a_wrong_type_says_field_given_expected_and_where(tmp_path: Path) -> None:
    found = problem(tmp_path, "kind: agent\nid: x\nspec:\n  name: X\n  temperature: warm\n"
                              "  tool_ids: order-status\n")
    assert found.splitlines() == [
        "FILE:5:16: agent/x: temperature: expected a number, got 'warm' (text)",
        "  FILE:6:13: agent/x: tool_ids: expected a list, got 'order-status' (text)"]
    enum = problem(tmp_path, "kind: mcp-server\nid: m\nspec:\n  transport: pigeon\n")
    assert enum == ("FILE:4:14: mcp-server/m: transport: expected one of stdio, sse, "
                    "streamable-http, got 'pigeon' (text)")


def test_a_syntax_error_points_at_the_unclosed_quote(tmp_path: Path) -> None:
    found = problem(tmp_path, 'kind: agent\nid: x\nspec:\n  name: X\n  instructions: "Help.\n'
                              "  model: gpt-4o\n\n\n")
    assert found.startswith("FILE:5:17: not valid YAML: found unexpected end of stream")
    assert found.endswith("quoted scalar that starts here")
    indented = problem(tmp_path, "kind: agent\nid: x\nspec:\n  name: X\n   model: y\n")
    assert indented == "FILE:5:9: not valid YAML: mapping values are not allowed here"


def test_right_values_in_every_form_pass(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("kind: agent\nid: x\nspec:\n  name: X\n  temperature: 1\n"
                    "  toolIds: [a]\n---\nkind: mcp-server\nid: m\nspec:\n"
                    "  transport: MCP_TRANSPORT_STDIO\n")
    assert [s.label for s in load([path])] == ["agent/x", "mcp-server/m"]
