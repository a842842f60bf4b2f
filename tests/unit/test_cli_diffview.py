"""How agentctl draws a diff: long text as a line-level diff, whole numbers as written."""

from __future__ import annotations

from google.protobuf import struct_pb2
from rich.console import Console

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentctl import diffview
from agentctl.entities import entity_document
from agentctl.files import dump
from agentctl.values import as_json, plain

OLD = "You are the support agent.\nAnswer politely and briefly.\nUse the tools.\n"
Scalar = str | float | None
NEW = "You are the support agent.\nAnswer politely, in one sentence.\nUse the tools.\n"


def _change(path: str, old: Scalar, new: Scalar) -> cpb.FieldChange:
    change = cpb.FieldChange(path=path)
    if old is not None:
        change.old_value.CopyFrom(_value(old))
    if new is not None:
        change.new_value.CopyFrom(_value(new))
    return change


def _value(python: Scalar) -> struct_pb2.Value:
    holder = struct_pb2.Struct()
    holder.update({"v": python})
    return holder.fields["v"]


def _drawn(*changes: cpb.FieldChange) -> str:
    diff = cpb.Diff(entries=[cpb.EntityDiff(kind=pb.ENTITY_KIND_AGENT, entity_id="support",
                                            type=cpb.DIFF_TYPE_CHANGED,
                                            field_changes=list(changes))])
    console = Console(width=200, no_color=True, force_terminal=False)
    with console.capture() as captured:
        console.print(diffview.render(diff, "title"))
    return captured.get()


def test_a_changed_multi_line_string_is_a_line_level_diff() -> None:
    lines = _drawn(_change("instructions", OLD, NEW)).splitlines()
    at = lines.index("    ~ instructions:")
    assert lines[at + 1].strip().startswith("@@ -1,3 +1,3 @@")
    assert "        -Answer politely and briefly." in lines
    assert "        +Answer politely, in one sentence." in lines
    assert "         You are the support agent." in lines
    assert not any("\\n" in line for line in lines)


def test_one_line_strings_and_numbers_stay_on_one_line_as_written() -> None:
    drawn = _drawn(_change("model", "a", "b"), _change("max_tokens", 5000, 10),
                   _change("temperature", 0.3, 0.5))
    assert '~ model: "a" -> "b"' in drawn
    assert "~ max_tokens: 5000 -> 10" in drawn
    assert "~ temperature: 0.3 -> 0.5" in drawn


def test_whole_floats_lose_their_point_at_any_depth() -> None:
    assert plain({"a": [5000.0, 0.5, {"b": 10.0}], "c": True}) == {
        "a": [5000, 0.5, {"b": 10}], "c": True}
    assert as_json({"n": 3.0}) == '{"n": 3}'


def test_json_output_keeps_the_values_whole() -> None:
    diff = cpb.Diff(entries=[cpb.EntityDiff(kind=pb.ENTITY_KIND_AGENT, entity_id="support",
                                            type=cpb.DIFF_TYPE_CHANGED,
                                            field_changes=[_change("instructions", OLD, NEW)])])
    [field] = diffview.as_data(diff)["entries"][0]["fields"]
    assert (field["old"], field["new"]) == (OLD, NEW)


def test_get_and_export_documents_print_whole_numbers_as_written() -> None:
    tool = pb.Entity(id="t")
    tool.tool.name = "t"
    tool.tool.input_schema.update({"maxLength": 10, "ratio": 0.5})
    doc = entity_document(tool)
    assert doc is not None
    schema = doc["spec"]["input_schema"]
    assert schema == {"maxLength": 10, "ratio": 0.5}
    assert isinstance(schema["maxLength"], int)
    assert "maxLength: 10\n" in dump([doc])
