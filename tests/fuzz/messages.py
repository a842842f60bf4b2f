"""Requests built field by field from the proto descriptors, so a new RPC, message or field
is fuzzed without touching this file: strings (unicode, empty, huge, hostile), integers at
their type's edges, enums with unknown numbers, nested and repeated messages, maps, Struct
values nested past the parser's recursion limit. A ``Names`` gives the values that reach the
deeper paths: the workspaces and the entity, channel and version ids that exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from google.protobuf import struct_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from agentconfig.v1 import config_service_pb2, runtime_service_pb2

SERVICES = (config_service_pb2.DESCRIPTOR.services_by_name["ConfigService"],
            runtime_service_pb2.DESCRIPTOR.services_by_name["RuntimeService"])


def all_methods() -> list[MethodDescriptor]:
    """Every RPC of both services, from the descriptors."""
    return [m for service in SERVICES for m in service.methods]


def path(method: MethodDescriptor) -> str:
    return f"/{method.containing_service.full_name}/{method.name}"


@dataclass(frozen=True)
class Names:
    workspaces: tuple[str, ...]
    ids: tuple[str, ...] = ("support", "billing", "front-desk", "weather", "vip", "pt", "web",
                            "wa")


MAX_DEPTH = 4
INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}
HOSTILE = ("", " ", "\x00", "\t\n", "a" * 300, "../../etc/passwd", "' OR 1=1 --", "%s%n",
           "null", "-1", "🙂" * 64, "\u202eevil", "Ωmega", "x" * 5000,
           "sk-live-0123456789abcdefghijklmnopqrstuv", "${jndi:ldap://x}", "<script>")
CEL = ('"vip" in tags', "true", "1/0", "a.b.c", "(" * 300, "size(message) > 3",
       "[1,2,3].map(x, [x,x,x].map(y, [y,y,y].map(z, z)))", 'locale.startsWith("pt")',
       "variables.x.y.z == 1", "message.matches('(a+)+$')")
TEXT = st.one_of(st.text(st.characters(codec="utf-8"), max_size=24), st.sampled_from(HOSTILE))
# huge, for top-level fields only: up to past the 4 MiB message limit (gRPC's own
# RESOURCE_EXHAUSTED)
HUGE = st.sampled_from((10**4, 10**5, 10**6, 5 * 10**6)).map(lambda n: "x" * n)


def _ints(lo: int, hi: int, small: st.SearchStrategy[int] | None = None,
          ) -> st.SearchStrategy[int]:
    edges = st.sampled_from([v for v in (lo, lo + 1, -1, 0, 1, 2, hi - 1, hi) if lo <= v <= hi])
    default = st.integers(-1, 5).filter(lambda v: lo <= v <= hi)
    return st.one_of(default if small is None else small, edges,
                     st.integers(lo, hi))


def _hinted_string(field: FieldDescriptor, names: Names, depth: int,
                   ) -> st.SearchStrategy[str]:
    if depth == 0 and field.name != "workspace_id":
        return st.one_of(_hinted(field, names), _hinted(field, names), _hinted(field, names),
                         HUGE)
    return _hinted(field, names)


def _hinted(field: FieldDescriptor, names: Names) -> st.SearchStrategy[str]:
    name = field.name
    if name == "workspace_id":
        return st.sampled_from([st.sampled_from(names.workspaces)] * 6 + [TEXT]).flatmap(
            lambda s: s)
    if name.endswith(("_id", "_ids")) or name in ("id", "conversation_id"):
        return st.one_of(st.sampled_from(names.ids), TEXT)
    if name == "condition" or name.endswith("_condition"):
        return st.one_of(st.sampled_from(CEL), TEXT)
    return TEXT


def _revisionish(name: str) -> bool:
    return "version" in name or "revision" in name or name in ("number", "turn")


def _scalar(field: FieldDescriptor, names: Names, depth: int) -> st.SearchStrategy[Any]:
    t = field.type
    if t == FieldDescriptor.TYPE_STRING:
        return _hinted_string(field, names, depth)
    if t == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=64)
    if t == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if t == FieldDescriptor.TYPE_DOUBLE:
        return st.floats(allow_nan=True, allow_infinity=True)
    if t == FieldDescriptor.TYPE_FLOAT:
        return st.floats(width=32, allow_nan=True, allow_infinity=True)
    if t == FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.sampled_from(known),
                         st.integers(-(2**31), 2**31 - 1))
    lo, hi = INT_RANGES[t]
    small = st.integers(-1, 6) if _revisionish(field.name) else None
    if field.name == "page_size":
        small = st.sampled_from([0, 1, 2, 10, 1000, 10**6])
    return _ints(lo, hi, small)


def structs(max_depth: int = 3) -> st.SearchStrategy[struct_pb2.Struct]:
    """Arbitrary JSON-like Structs (NaN and infinities included), and now and then one nested
    deeper than the protobuf parser's recursion limit."""
    leaves = st.one_of(st.none(), st.booleans(), st.floats(), TEXT)
    json = st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)), max_leaves=8)

    def build(values: dict[str, Any]) -> struct_pb2.Struct:
        out = struct_pb2.Struct()
        out.update(values)
        return out

    shallow = st.dictionaries(TEXT, json, max_size=4).map(build)
    return st.one_of(shallow, shallow, st.sampled_from((10, 40, 70, 120)).map(deep_struct))


def deep_struct(depth: int) -> struct_pb2.Struct:
    root = struct_pb2.Struct()
    node = root
    for _ in range(depth):
        node = node.fields["n"].struct_value
    node.fields["leaf"].string_value = "bottom"
    return root


class Requests:
    """Strategies for every message type, built once per (type, depth) and cached."""

    def __init__(self, names: Names) -> None:
        self.names = names
        self._cache: dict[tuple[str, int], st.SearchStrategy[Message]] = {}

    def for_method(self, method: MethodDescriptor) -> st.SearchStrategy[Message]:
        return self.message(method.input_type, 0)

    def message(self, desc: Descriptor, depth: int) -> st.SearchStrategy[Message]:
        key = (desc.full_name, depth)
        if key not in self._cache:
            self._cache[key] = self._build(desc, depth)
        return self._cache[key]

    def _build(self, desc: Descriptor, depth: int) -> st.SearchStrategy[Message]:
        cls = GetMessageClass(desc)
        if desc.full_name == "google.protobuf.Struct":
            return structs()
        if depth >= MAX_DEPTH:
            return st.builds(cls)
        optional: dict[str, st.SearchStrategy[Any]] = {
            f.name: self._field(f, depth) for f in desc.fields}
        # a request nearly always names a workspace, so calls get past that first check
        required = {name: optional.pop(name) for name in ("workspace_id",)
                    if depth == 0 and name in optional}

        def build(values: dict[str, Any]) -> Message:
            msg = cls()
            for name, value in values.items():
                _assign(msg, desc.fields_by_name[name], value)
            return msg

        return st.fixed_dictionaries(required, optional=optional).map(build)

    def _field(self, field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            key_field = field.message_type.fields_by_name["key"]
            value_field = field.message_type.fields_by_name["value"]
            return st.dictionaries(self._single(key_field, depth),
                                   self._single(value_field, depth), max_size=4)
        one = self._single(field, depth)
        if _is_repeated(field):
            return st.lists(one, max_size=5)
        return one

    def _single(self, field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
        if field.message_type is not None:
            return self.message(field.message_type, depth + 1)
        return _scalar(field, self.names, depth)


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def _assign(msg: Message, field: FieldDescriptor, value: Any) -> None:
    target: Any = getattr(msg, field.name)
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        is_message = field.message_type.fields_by_name["value"].message_type is not None
        for k, v in value.items():
            if is_message:
                target[k].CopyFrom(v)
            else:
                target[k] = v
    elif _is_repeated(field):
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            for item in value:
                target.add().CopyFrom(item)
        else:
            target.extend(value)
    elif field.type == FieldDescriptor.TYPE_MESSAGE:
        target.CopyFrom(value)
    else:
        setattr(msg, field.name, value)


