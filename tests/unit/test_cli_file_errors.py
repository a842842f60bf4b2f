"""Mistakes in entity and test-case YAML files point at file:line:column, with the closest
name for a misspelt key, field/given/expected for a wrong type, and a syntax error's real
cause (agentctl/files.py and agentctl/testfiles.py share agentctl/spec_check.py and
agentctl/yaml_marks.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from agentctl import files, testfiles
from agentctl.errors import Invalid

Loader = Callable[[Sequence[Path]], Sequence[Any]]
CASE = "kind: test-case\nid: c\nspec:\n  target: squad/front-desk\n"
TURN = CASE + "  turns:\n    - user_message: Hi\n"


def problem(tmp_path: Path, body: str, load: Loader = files.load) -> str:
    path = tmp_path / "entity.yaml"
    path.write_text(body)
    with pytest.raises(Invalid) as caught:
        load([path])
    return caught.value.message.replace(str(path), "FILE")


MISSPELT = [
    (files.load, "kind: agent\nid: x\nspec:\n  name: X\n  modle: gpt-4o\n",
     "FILE:5:3: agent/x: modle: unknown field 'modle' (did you mean 'model'?)"),
    (files.load, "kind: squad\nid: s\nspec:\n  handoff_rules:\n    - to_agent_id: a\n"
                 "      condtion: 'true'\n",
     "FILE:6:7: squad/s: handoff_rules[0].condtion: unknown field 'condtion' (did you "
     "mean 'condition'?)"),
    (files.load, "kind: agent\nid: x\nspce: {}\n",
     "FILE:3:1: unknown key 'spce' (did you mean 'spec'?)"),
    (testfiles.load, "kind: test-case\nid: c\nspce: {}\n",
     "FILE:3:1: unknown key 'spce' (did you mean 'spec'?)"),
    (testfiles.load, "kind: test-case\nid: c\nspec:\n  targte: squad/front-desk\n",
     "FILE:4:3: test-case/c: targte: unknown field 'targte' (did you mean 'target'?)"),
    (testfiles.load, CASE + "  respnder: scripted\n",
     "FILE:5:3: test-case/c: respnder: unknown field 'respnder' (did you mean "
     "'responder'?)"),
    (testfiles.load, TURN + "      expect: {agnet_id: billing}\n",
     "FILE:7:16: test-case/c: turns[0].expect.agnet_id: unknown field 'agnet_id' (did you "
     "mean 'agent_id'?)"),
]


@pytest.mark.parametrize(("load", "body", "expected"), MISSPELT)
def test_a_misspelt_key_names_its_place_and_the_closest_name(
        tmp_path: Path, load: Loader, body: str, expected: str) -> None:
    assert problem(tmp_path, body, load) == expected


WRONG_TYPE = [
    (files.load, "kind: agent\nid: x\nspec:\n  name: X\n  temperature: warm\n"
                 "  tool_ids: order-status\n",
     "FILE:5:16: agent/x: temperature: expected a number, got 'warm' (text)\n"
     "  FILE:6:13: agent/x: tool_ids: expected a list, got 'order-status' (text)"),
    (files.load, "kind: mcp-server\nid: m\nspec:\n  transport: pigeon\n",
     "FILE:4:14: mcp-server/m: transport: expected one of stdio, sse, streamable-http, "
     "got 'pigeon' (text)"),
    (testfiles.load, CASE + "  turns: Hi\n",
     "FILE:5:10: test-case/c: turns: expected a list, got 'Hi' (text)"),
    (testfiles.load, TURN + "      expect: {handoff_rule_index: first}\n",
     "FILE:7:36: test-case/c: turns[0].expect.handoff_rule_index: expected a whole number, "
     "got 'first' (text)"),
    (testfiles.load, TURN + "      expect: {check_handoff: maybe, reply_contains: refund}\n",
     "FILE:7:31: test-case/c: turns[0].expect.check_handoff: expected true or false, got "
     "'maybe' (text)\n  FILE:7:54: test-case/c: turns[0].expect.reply_contains: expected "
     "a list, got 'refund' (text)"),
    (testfiles.load, CASE.replace("squad/front-desk", "tool/x"),
     "FILE:4:11: test-case/c: target must be agent/ID or squad/ID, not 'tool/x'"),
    (testfiles.load, CASE + "  responder: gpt\n",
     "FILE:5:14: test-case/c: responder must be scripted or configured, not 'gpt'"),
    (testfiles.load, "kind: test-case\nid: [c]\nspec: {}\n",
     "FILE:2:5: id is required (a string)"),
]


@pytest.mark.parametrize(("load", "body", "expected"), WRONG_TYPE)
def test_a_wrong_type_says_field_given_expected_and_where(
        tmp_path: Path, load: Loader, body: str, expected: str) -> None:
    assert problem(tmp_path, body, load) == expected


UNCLOSED = "kind: {kind}\nid: x\nspec:\n  name: X\n  instructions: \"Help.\n  model: y\n\n\n"
SYNTAX = [
    (files.load, UNCLOSED.format(kind="agent"),
     "FILE:5:17: not valid YAML: found unexpected end of stream while scanning a quoted "
     "scalar that starts here"),
    (testfiles.load, UNCLOSED.format(kind="test-case"),
     "FILE:5:17: not valid YAML: found unexpected end of stream while scanning a quoted "
     "scalar that starts here"),
    (files.load, "kind: agent\nid: x\nspec:\n  name: X\n   model: y\n",
     "FILE:5:9: not valid YAML: mapping values are not allowed here"),
    (testfiles.load, CASE + "  turns: [{user_message: Hi}\n",
     "FILE:5:10: not valid YAML: expected ',' or ']', but got '<stream end>' while parsing "
     "a flow sequence that starts here"),
]


@pytest.mark.parametrize(("load", "body", "expected"), SYNTAX)
def test_a_syntax_error_points_at_its_cause(tmp_path: Path, load: Loader, body: str,
                                            expected: str) -> None:
    assert problem(tmp_path, body, load) == expected


def test_every_problem_of_every_file_at_once(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(CASE + "  targte: x\n")
    (tmp_path / "b.yaml").write_text(CASE.replace("id: c", "id: d") + "  turns: Hi\n")
    with pytest.raises(Invalid) as caught:
        testfiles.load([tmp_path])
    lines = caught.value.message.replace(str(tmp_path) + "/", "").splitlines()
    assert lines[0] == "2 problems in the files:"
    assert [line.split(": ")[0].strip() for line in lines[1:]] == ["a.yaml:5:3", "b.yaml:5:10"]


def test_right_values_in_every_form_pass(tmp_path: Path) -> None:
    path = tmp_path / "ok.yaml"
    path.write_text("kind: agent\nid: x\nspec:\n  name: X\n  temperature: 1\n"
                    "  toolIds: [a]\n---\nkind: mcp-server\nid: m\nspec:\n"
                    "  transport: MCP_TRANSPORT_STDIO\n---\n" + TURN
                    + "      expect: {handoffRuleIndex: '0', check_handoff: true}\n"
                      "  responder: CONFIGURED\n")
    assert [s.label for s in files.load([path])] == ["agent/x", "mcp-server/m"]
    assert [c.case.test_case_id for c in testfiles.load([path])] == ["c"]
