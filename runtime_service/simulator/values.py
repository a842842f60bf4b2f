"""JSON values to and from their protobuf forms, without ever raising on odd input: a
value a tool or a model sends that protobuf cannot hold becomes its text."""

from __future__ import annotations

import json
from typing import Any

from google.protobuf import json_format, struct_pb2

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.ports import ModelCall


def to_value(value: Any) -> struct_pb2.Value:
    out = struct_pb2.Value()
    try:
        json_format.ParseDict(value, out)
    except (json_format.ParseError, TypeError, ValueError, RecursionError):
        out.string_value = str(value)
    return out


def from_value(value: struct_pb2.Value) -> Any:
    return json_format.MessageToDict(value)


def to_call(call: ModelCall) -> rpb.ToolCall:
    """The call as the trace shows it; arguments that are not an object are left out
    (the invocation's violations say what they were)."""
    out = rpb.ToolCall(call_id=call.call_id, tool=call.tool)
    if isinstance(call.arguments, dict):
        try:
            json_format.ParseDict(call.arguments, out.arguments)
        except (json_format.ParseError, TypeError, ValueError, RecursionError):
            out.ClearField("arguments")
    return out


def from_call(call: rpb.ToolCall) -> ModelCall:
    return ModelCall(call.call_id, call.tool, json_format.MessageToDict(call.arguments))


def as_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
