"""A failed call as the error hierarchy of ``agentconfig.errors``: the status code picks
the class, google.rpc.ErrorInfo in the rich details gives the reason and metadata, so a
caller handles a remote failure and a local one (LocalResolver) alike."""

from __future__ import annotations

from typing import Any

import grpc
from google.rpc import error_details_pb2, status_pb2

from agentconfig import errors

_BY_CODE: dict[grpc.StatusCode, type[errors.AgentConfigError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPrecondition,
    grpc.StatusCode.ABORTED: errors.Conflict,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
    grpc.StatusCode.RESOURCE_EXHAUSTED: errors.ResourceExhausted,
    grpc.StatusCode.UNAVAILABLE: errors.Unavailable,
    grpc.StatusCode.DEADLINE_EXCEEDED: errors.Unavailable,
}


def _details(exc: grpc.RpcError,
             ) -> tuple[error_details_pb2.ErrorInfo | None, list[errors.FieldViolation]]:
    """The ErrorInfo and the BadRequest field violations of the rich status, if sent."""
    trailing: Any = exc.trailing_metadata() if hasattr(exc, "trailing_metadata") else None
    info, violations = None, []
    for key, value in trailing or ():
        if key != "grpc-status-details-bin" or not isinstance(value, bytes):
            continue
        for detail in status_pb2.Status.FromString(value).details:
            found, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
            if detail.Unpack(found):
                info = found
            elif detail.Unpack(bad):
                violations = [errors.FieldViolation(v.field, v.description, v.reason)
                              for v in bad.field_violations]
    return info, violations


def from_rpc(exc: grpc.RpcError) -> errors.AgentConfigError:
    """The error as it was raised on the server: class, message, reason, metadata and
    field violations."""
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    message = (exc.details() if hasattr(exc, "details") else "") or str(code)
    info, violations = _details(exc)
    cls = _BY_CODE.get(code, errors.AgentConfigError)
    extra: dict[str, Any] = {"violations": violations} if violations else {}  # bad input only
    return cls(message, reason=info.reason if info else None,
               metadata=dict(info.metadata) if info else None, **extra)
