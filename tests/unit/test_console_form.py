"""The console's per-field form without a browser: every kind's message goes to the form's
values and back unchanged (also as the browser posts them: CRLF in textareas, a multi-select
as repeated keys), the fields follow the proto descriptors, and a wrong value or a server
path lands on the field it names."""

from __future__ import annotations

import pytest
from google.protobuf import struct_pb2, wrappers_pb2
from google.protobuf.message import Message
from hypothesis import given
from hypothesis import strategies as st
from starlette.datastructures import FormData, UploadFile

from agentconfig.kinds import KINDS, Kind, entity_to_parts, kind_by_name
from agentconfig.references import references
from agentconfig.v1 import entities_pb2 as pb
from console.errors import Invalid, Problem
from console.form import FormField, choices, fields_for, ref_targets
from console.form_values import Values, build, placed, read_form, values_of
from embedded import demo

SCHEMA = struct_pb2.Struct()
SCHEMA.update({"type": "object", "required": ["q"], "properties": {
    "q": {"type": "string", "maxLength": 80}, "n": {"type": "integer", "minimum": 1.5}}})

FULL: dict[str, Message] = {
    "agent": pb.Agent(name="Ägent ✓", instructions="Line one.\n  indented: yes\n\nlast",
                      model="gpt-4o", temperature=0.1, greeting="Hi", language="pt-BR",
                      tool_ids=["b-tool", "a-tool"], mcp_server_ids=["fs"], voice_id="warm",
                      component_ids=["card"], conditional_prompt_ids=["z", "vip", "a"]),
    "squad": pb.Squad(name="S", description="d", member_agent_ids=["x", "y"],
                      entry_agent_id="y", handoff_rules=[
                          pb.HandoffRule(from_agent_id="y", to_agent_id="x",
                                         condition='message.contains("a: b")', description="r"),
                          pb.HandoffRule(to_agent_id="y")]),
    "tool": pb.Tool(name="t", description="d", input_schema=SCHEMA,
                    endpoint_url="https://e.example/x", method=pb.HTTP_METHOD_PATCH,
                    timeout_ms=2500, connection_id="conn"),
    "mcp_server": pb.McpServer(name="m", transport=pb.MCP_TRANSPORT_STREAMABLE_HTTP,
                               url="https://m.example", command="npx",
                               args=["-y", "@mcp/server", "--flag=1"], allowed_tools=["read"],
                               connection_id="c"),
    "voice": pb.Voice(provider_id="p", voice_name="Aria", language="en", speed=1.25),
    "component": pb.Component(name="c", type=pb.COMPONENT_TYPE_QUICK_REPLIES,
                              template="{{a}}\n{{b}}"),
    "conditional_prompt": pb.ConditionalPrompt(name="n", condition='"vip" in tags',
                                               prompt="p\nq", priority=-3),
}


def _kind(name: str) -> Kind:
    found = kind_by_name(name)
    assert found is not None
    return found


def _entity(kind: Kind, message: Message) -> pb.Entity:
    entity = pb.Entity(id="e-1")
    getattr(entity, kind.name).CopyFrom(message)
    return entity


def _as_posted(kind: Kind, values: Values) -> FormData:
    """What a browser sends for these values: textareas with CRLF, a multi-select as one
    key per chosen option (none at all when nothing is chosen)."""
    items: list[tuple[str, str | UploadFile]] = [("csrf_token", "t"), ("etag", "e")]
    for f in fields_for(kind):
        value = values[f.name]
        if isinstance(value, list):
            items += [(f.name, v) for v in value]
        elif f.widget != "checkbox" or value:
            items.append((f.name, value.replace("\n", "\r\n")))
    return FormData(items)


@pytest.mark.parametrize("name", [k.name for k in KINDS])
def test_every_kind_round_trips_through_the_form(name: str) -> None:
    kind = _kind(name)
    assert {f.name for f in fields_for(kind)} == set(FULL[name].DESCRIPTOR.fields_by_name), \
        "the example sets every field"
    for message in (FULL[name], kind.message()):
        values = values_of(kind, message)
        assert build(kind, "e-1", values) == _entity(kind, message)
        posted = read_form(kind, _as_posted(kind, values))
        assert build(kind, "e-1", posted) == _entity(kind, message)


@pytest.mark.parametrize("entity", demo.entities(), ids=lambda e: e.id)
def test_the_demo_round_trips(entity: pb.Entity) -> None:
    parts = entity_to_parts(entity)
    assert parts is not None
    kind = parts[0]
    assert build(kind, entity.id, values_of(kind, getattr(entity, kind.name))) == entity


@given(name=st.text(), temperature=st.floats(allow_nan=False, allow_infinity=False),
       tools=st.lists(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True), unique=True))
def test_any_agent_values_round_trip(name: str, temperature: float, tools: list[str]) -> None:
    kind = _kind("agent")
    message = pb.Agent(name=name, temperature=temperature, tool_ids=tools)
    assert build(kind, "e-1", values_of(kind, message)) == _entity(kind, message)


def test_fields_follow_the_descriptor() -> None:
    for kind in KINDS:
        assert [f.name for f in fields_for(kind)] == \
            [fd.name for fd in kind.message.DESCRIPTOR.fields]
    widgets = {(k.name, f.name): f for k in KINDS for f in fields_for(k)}
    assert widgets["agent", "temperature"].widget == "number"
    assert widgets["agent", "temperature"].step == "any"
    assert widgets["conditional_prompt", "priority"].step == "1"
    assert widgets["agent", "instructions"].widget == "textarea"
    assert widgets["agent", "tool_ids"].widget == "multi"
    assert widgets["agent", "voice_id"].widget == "ref"
    assert widgets["squad", "entry_agent_id"].ref_kind == "agent"
    assert widgets["squad", "handoff_rules"].widget == "yaml"
    assert widgets["tool", "input_schema"].widget == "yaml"
    assert widgets["tool", "connection_id"].widget == "text"  # live data, not an entity
    assert widgets["mcp_server", "args"].widget == "lines"
    method = widgets["tool", "method"]
    assert method.widget == "enum" and ("HTTP_METHOD_GET", "get") in method.options
    checkbox = fields_for(Kind("flag", 0, wrappers_pb2.BoolValue, "Flag"))
    assert [f.widget for f in checkbox] == ["checkbox"]


def test_reference_fields_are_those_references_knows() -> None:
    for kind in KINDS:
        for name, target in ref_targets(kind).items():
            fd = kind.message.DESCRIPTOR.fields_by_name[name]
            probe: object = ["x"] if fd.is_repeated else "x"
            assert [r.kind for r in references(kind.name, {name: probe})] == [target]
    assert set(ref_targets(_kind("agent"))) == {
        "tool_ids", "mcp_server_ids", "voice_id", "component_ids", "conditional_prompt_ids"}


def test_a_reference_offers_what_it_holds_first_then_the_draft() -> None:
    tools = FormField("tool_ids", "Tool ids", "multi", ref_kind="tool")
    draft = {"tool": ["c", "a", "b"]}
    assert choices(tools, ["b", "gone"], draft) == ["b", "gone", "a", "c"]
    voice = FormField("voice_id", "Voice id", "ref", ref_kind="voice")
    assert choices(voice, "", {"voice": ["w"]}) == ["w"]


def test_wrong_values_are_problems_of_their_own_fields() -> None:
    kind = _kind("tool")
    values = values_of(kind, FULL["tool"])
    values |= {"timeout_ms": "2.5", "input_schema": "{ open: [", "name": "still fine"}
    with pytest.raises(Invalid) as caught:
        build(kind, "t", values)
    by_field, rest = placed(caught.value.problems, [f.name for f in fields_for(kind)])
    assert sorted(by_field) == ["input_schema", "timeout_ms"] and rest == []
    assert "whole number" in by_field["timeout_ms"][0].description
    assert "YAML" in by_field["input_schema"][0].description
    agent = _kind("agent")
    with pytest.raises(Invalid) as caught:
        build(agent, "a", values_of(agent, pb.Agent()) | {"temperature": "warm"})
    assert [p.field for p in caught.value.problems] == ["temperature"]


def test_server_paths_land_on_the_field_they_name() -> None:
    names = [f.name for f in fields_for(_kind("squad"))]
    problems = [Problem("entity.squad.handoff_rules[0].condition", "bad"),
                Problem("squad/front-desk.member_agent_ids[1]", "dangling"),
                Problem("entity.id", "bad id"), Problem("request_id", "reused")]
    by_field, rest = placed(problems, names)
    assert {k: [p.description for p in v] for k, v in by_field.items()} == {
        "handoff_rules": ["bad"], "member_agent_ids": ["dangling"], "id": ["bad id"]}
    assert [p.field for p in rest] == ["request_id"]
