"""The one mapping from the error hierarchy to gRPC: every class (found by walking
__subclasses__, so a new one cannot be forgotten) maps to a caller-facing code, and the
status carries ErrorInfo and, with violations, BadRequest."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import code_pb2, error_details_pb2, status_pb2

from agentconfig import errors
from agentconfig.rpc_status import (
    CODES,
    DOMAIN,
    MalformedRequest,
    code_for,
    malformed_request,
    safe_deserializer,
    to_status,
)
from agentconfig.v1 import config_service_pb2 as cpb


def _all_subclasses(cls: type[errors.AgentConfigError]) -> list[type[errors.AgentConfigError]]:
    out = []
    for sub in cls.__subclasses__():
        out += [sub, *_all_subclasses(sub)]
    return out


ALL = _all_subclasses(errors.AgentConfigError)


def test_the_walk_finds_the_documented_tree() -> None:
    names = {c.__name__ for c in ALL}
    assert {"InvalidArgument", "DraftInvalid", "NothingToPublish", "Conflict",
            "Unavailable"} <= names
    assert len(ALL) >= 11


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_every_error_class_is_mapped(cls: type[errors.AgentConfigError]) -> None:
    assert cls in CODES, f"{cls.__name__} is missing from agentconfig.rpc_status.CODES"
    code = code_for(cls("boom"))
    assert code == CODES[cls]
    assert code not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.OK)


@pytest.mark.parametrize(("cls", "code"), [
    (errors.InvalidArgument, grpc.StatusCode.INVALID_ARGUMENT),
    (errors.Conflict, grpc.StatusCode.ABORTED),
    (errors.DraftInvalid, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.NothingToPublish, grpc.StatusCode.FAILED_PRECONDITION),
    (errors.ResourceExhausted, grpc.StatusCode.RESOURCE_EXHAUSTED),
    (errors.NotFound, grpc.StatusCode.NOT_FOUND),
])
def test_codes(cls: type[errors.AgentConfigError], code: grpc.StatusCode) -> None:
    assert code_for(cls("x")) == code


def _details(status: grpc.Status) -> status_pb2.Status:
    md = dict(status.trailing_metadata)
    proto = status_pb2.Status.FromString(md["grpc-status-details-bin"])
    assert proto.code == status.code.value[0]
    return proto


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_status_always_carries_error_info(cls: type[errors.AgentConfigError]) -> None:
    status = to_status(cls("it broke", metadata={"k": "v"}))
    proto = _details(status)
    assert proto.message == status.details == "it broke"
    assert len(proto.details) == 1
    info = error_details_pb2.ErrorInfo()
    assert proto.details[0].Unpack(info)
    assert (info.reason, info.domain, dict(info.metadata)) == (cls.reason, DOMAIN, {"k": "v"})
    assert info.reason and info.reason == info.reason.upper()


def test_violations_become_bad_request() -> None:
    error = errors.DraftInvalid("2 problems", violations=[
        errors.FieldViolation("agent/a.name", "is required", "REQUIRED"),
        errors.FieldViolation("tool/t.timeout_ms", "too big", "OUT_OF_RANGE")])
    proto = _details(to_status(error))
    assert proto.code == code_pb2.FAILED_PRECONDITION
    bad = error_details_pb2.BadRequest()
    assert proto.details[1].Unpack(bad)
    assert [(v.field, v.description, v.reason) for v in bad.field_violations] == [
        ("agent/a.name", "is required", "REQUIRED"),
        ("tool/t.timeout_ms", "too big", "OUT_OF_RANGE")]


def test_explicit_reason_overrides_the_class_reason() -> None:
    error = errors.NotFound("gone", reason="WORKSPACE_NOT_FOUND")
    info = error_details_pb2.ErrorInfo()
    _details(to_status(error)).details[0].Unpack(info)
    assert info.reason == "WORKSPACE_NOT_FOUND"
    assert errors.NotFound("x").reason == "NOT_FOUND"


def test_invalid_helper() -> None:
    error = errors.invalid("page_size", "must not be negative", "BAD_PAGE_SIZE")
    assert isinstance(error, errors.InvalidArgument)
    assert [(v.field, v.reason) for v in error.violations] == [("page_size", "BAD_PAGE_SIZE")]


def test_a_body_that_does_not_parse_is_invalid_argument_not_unknown() -> None:
    """gRPC's own answer to a parser exception is UNKNOWN with the exception's text; the
    interceptor's deserializer hands the behavior a MalformedRequest instead, mapped here."""
    parse = safe_deserializer(cpb.GetWorkspaceRequest.FromString)
    assert parse is not None and safe_deserializer(None) is None
    assert parse(b"\x0a\x02ws") == cpb.GetWorkspaceRequest(workspace_id="ws")
    bad = parse(b"\xff\xff\xff")
    assert bad == MalformedRequest("DecodeError")
    error = malformed_request("/agentconfig.v1.ConfigService/GetWorkspace", bad)
    proto = _details(to_status(error))
    assert proto.code == code_pb2.INVALID_ARGUMENT
    info = error_details_pb2.ErrorInfo()
    assert len(proto.details) == 1 and proto.details[0].Unpack(info)
    assert info.reason == "MALFORMED_REQUEST"
    assert info.metadata["method"] == "/agentconfig.v1.ConfigService/GetWorkspace"


def test_log_lines_are_json_whatever_the_message() -> None:
    import json
    import logging

    from agentconfig.logs import JsonFormatter
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, 'say "hi"\nthen %s', ("bye",),
                               None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["msg"] == 'say "hi"\nthen bye'


def test_unavailable_carries_a_retry_hint_when_it_knows_one() -> None:
    error = errors.Unavailable("the database (postgres) is unavailable",
                               reason="DATABASE_UNAVAILABLE",
                               metadata={"dependency": "postgres"}, retry_after_seconds=1.5)
    proto = _details(to_status(error))
    assert proto.code == code_pb2.UNAVAILABLE
    info, retry = error_details_pb2.ErrorInfo(), error_details_pb2.RetryInfo()
    assert len(proto.details) == 2
    assert proto.details[0].Unpack(info) and proto.details[1].Unpack(retry)
    assert (info.reason, dict(info.metadata)) == ("DATABASE_UNAVAILABLE",
                                                  {"dependency": "postgres"})
    assert retry.retry_delay.ToTimedelta().total_seconds() == 1.5
    # without a hint (the raiser does not know one) there is no RetryInfo
    assert len(_details(to_status(errors.Unavailable("down"))).details) == 1
