"""Issue 5, Hardening: arbitrary and malformed requests for every RPC of both services,
through the real servers over real channels, as every kind of caller. Every status is a
documented one (never UNKNOWN or INTERNAL), both servers keep serving, and a refused call
changes nothing (tests/fuzz/world.py). Example counts: tests/fuzz/profiles.py."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import DecodeError
from google.protobuf.message_factory import GetMessageClass
from hypothesis import given
from hypothesis import strategies as st

from tests.e2e.access_setup import secured
from tests.fuzz.messages import Requests, all_methods
from tests.fuzz.profiles import MESSAGE_SETTINGS, RAW_SETTINGS
from tests.fuzz.world import World, callers, checked_call, reason, world

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["secured", "world"]
METHODS = all_methods()
IDS = [f"{m.containing_service.name}.{m.name}" for m in METHODS]
_requests: dict[tuple[str, ...], Requests] = {}


def requests(w: World) -> Requests:
    if w.names.workspaces not in _requests:
        _requests[w.names.workspaces] = Requests(w.names)
    return _requests[w.names.workspaces]


def test_every_rpc_of_both_services_is_fuzzed() -> None:
    names = {m.name for m in METHODS}
    assert {"CreateWorkspace", "PublishDraft", "RollbackToVersion", "DeleteChannel",
            "ResolveChannel", "WatchProduction", "Chat", "GetReplicaStatus"} <= names
    assert len(METHODS) >= 40


@pytest.mark.parametrize("method", METHODS, ids=IDS)
@MESSAGE_SETTINGS
@given(data=st.data())
async def test_fuzzed_requests(world: World, method: MethodDescriptor, data: st.DataObject,
                               ) -> None:
    request = data.draw(requests(world).for_method(method), label="request")
    caller, metadata = data.draw(callers(world, method), label="caller")
    await checked_call(world, "request", method, request, caller, metadata)


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        low, n = n & 0x7F, n >> 7
        out.append(low | (0x80 if n else 0))
        if not n:
            return bytes(out)


GROUP_START, GROUP_END = _varint(99 << 3 | 3), _varint(99 << 3 | 4)
MALFORMED = (
    b"\xff\xff\xff",  # a field number and wire type that do not exist
    b"\x0a\x05ab",  # field 1 longer than the body
    b"\x0a\x02\xff\xfe",  # field 1 (a string everywhere it exists) that is not UTF-8
    b"\x08" + b"\xff" * 10 + b"\x01",  # a varint past 64 bits
    GROUP_START * 200 + GROUP_END * 200,  # nested past the parser's recursion limit
    b"\x0f",  # wire type 7
)


def mutated(w: World, method: MethodDescriptor) -> st.SearchStrategy[bytes]:
    """A valid request (its first 64 KiB) with bytes overwritten, cut short or appended."""
    valid = requests(w).for_method(method).map(lambda m: m.SerializeToString()[:1 << 16])

    def mutate(body: bytes, at: int, junk: bytes, cut: bool) -> bytes:
        i = at % (len(body) + 1)
        return body[:i] + junk if cut else body[:i] + junk + body[i + len(junk):]

    return st.builds(mutate, valid, st.integers(0, 1 << 16), st.binary(min_size=1, max_size=8),
                     st.booleans())


def raw_bodies(w: World, method: MethodDescriptor) -> st.SearchStrategy[bytes]:
    return st.one_of(st.sampled_from(MALFORMED), st.binary(max_size=256), mutated(w, method))


def parses(method: MethodDescriptor, body: bytes) -> bool:
    try:
        GetMessageClass(method.input_type).FromString(body)
    except DecodeError:
        return False
    return True


@pytest.mark.parametrize("method", METHODS, ids=IDS)
@RAW_SETTINGS
@given(data=st.data())
async def test_raw_bytes(world: World, method: MethodDescriptor, data: st.DataObject) -> None:
    """Bodies that are not (or not quite) protobuf, sent as they are: a body the parser
    refuses is INVALID_ARGUMENT (MALFORMED_REQUEST), whoever sends it."""
    body = data.draw(raw_bodies(world, method), label="body")
    caller, metadata = data.draw(callers(world, method), label="caller")
    refused = await checked_call(world, "raw", method, body, caller, metadata)
    if not parses(method, body):
        assert refused is not None, f"{method.name} accepted a body that does not parse"
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT, refused.details()
        assert reason(refused) == "MALFORMED_REQUEST"
