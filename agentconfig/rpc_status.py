"""The one mapping from the error hierarchy to gRPC status codes, with google.rpc details
(ErrorInfo always; BadRequest when there are field violations; RetryInfo when an
Unavailable knows how long to wait). The one interceptor
(agentconfig.interceptors.CallPipeline) applies it, so servicers simply raise. A request
body that does not parse as the method's message is the caller's mistake too:
INVALID_ARGUMENT, reason MALFORMED_REQUEST (gRPC's own answer would be UNKNOWN with the
parser's exception text)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from agentconfig import errors

log = logging.getLogger(__name__)
DOMAIN = "agentconfig.dev"

CODES: dict[type[errors.AgentConfigError], grpc.StatusCode] = {
    errors.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    errors.NotFound: grpc.StatusCode.NOT_FOUND,
    errors.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    errors.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    errors.DraftInvalid: grpc.StatusCode.FAILED_PRECONDITION,
    errors.NothingToPublish: grpc.StatusCode.FAILED_PRECONDITION,
    errors.Conflict: grpc.StatusCode.ABORTED,
    errors.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    errors.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    errors.ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.Unavailable: grpc.StatusCode.UNAVAILABLE,
}


def code_for(error: errors.AgentConfigError) -> grpc.StatusCode:
    for cls in type(error).__mro__:
        if isinstance(cls, type) and issubclass(cls, errors.AgentConfigError) and cls in CODES:
            return CODES[cls]
    return grpc.StatusCode.INTERNAL


def to_status(error: errors.AgentConfigError) -> grpc.Status:
    code = code_for(error)
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN,
                                       metadata=error.metadata)
    details = [_pack(info)]
    if error.violations:
        bad = error_details_pb2.BadRequest(field_violations=[
            error_details_pb2.BadRequest.FieldViolation(
                field=v.field, description=v.description, reason=v.reason)
            for v in error.violations
        ])
        details.append(_pack(bad))
    if isinstance(error, errors.Unavailable) and error.retry_after_seconds:
        delay = duration_pb2.Duration()
        delay.FromNanoseconds(round(error.retry_after_seconds * 1e9))
        details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
    status = status_pb2.Status(code=getattr(code_pb2, code.name), message=error.message,
                               details=details)
    return rpc_status.to_status(status)


def internal_status(incident: str) -> grpc.Status:
    status = status_pb2.Status(code=code_pb2.INTERNAL,
                               message=f"internal error (incident {incident})")
    return rpc_status.to_status(status)


@dataclass(frozen=True)
class MalformedRequest:
    """What the wrapped deserializer hands the behavior instead of a message it could not
    parse: the error is raised (and mapped) in the behavior, where a status can be sent."""

    error: str


def malformed_request(method: str, request: MalformedRequest) -> errors.InvalidArgument:
    return errors.InvalidArgument(
        f"the request body is not a valid message for {method}",
        reason="MALFORMED_REQUEST", metadata={"method": method, "error": request.error})


def safe_deserializer(deserialize: Callable[[bytes], Any] | None,
                      ) -> Callable[[bytes], Any] | None:
    if deserialize is None:
        return None

    def parse(raw: bytes) -> Any:
        try:
            return deserialize(raw)
        except Exception as exc:  # DecodeError, nesting too deep, ...: the parser's verdict
            return MalformedRequest(type(exc).__name__)

    return parse


def _pack(message: Any) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


Context = grpc.aio.ServicerContext[Any, Any]


async def abort_for(error: BaseException, context: Context, method: str) -> None:
    """End the call with the status for ``error`` (raises grpc's abort exception); anything
    that is not a domain error is logged with an incident id and answered INTERNAL."""
    if isinstance(error, errors.AgentConfigError):
        await _abort(context, to_status(error))
    incident = uuid.uuid4().hex[:12]
    log.error("unhandled error in %s (incident %s)", method, incident, exc_info=error)
    await _abort(context, internal_status(incident))


async def _abort(context: Context, status: grpc.Status) -> None:
    """abort_with_status, keeping the trailing metadata set before (x-request-id), which
    gRPC would replace with the status's."""
    kept = tuple(context.trailing_metadata() or ())
    await context.abort(status.code, status.details, (*kept, *status.trailing_metadata))


def is_abort(exc: BaseException) -> bool:
    """context.abort raises an internal exception that must travel on untouched."""
    return type(exc).__name__ == "AbortError" or isinstance(exc, grpc.aio.AbortError)
