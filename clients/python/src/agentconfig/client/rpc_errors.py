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


def _error_info(exc: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    trailing: Any = exc.trailing_metadata() if hasattr(exc, "trailing_metadata") else None
    for key, value in trailing or ():
        if key != "grpc-status-details-bin" or not isinstance(value, bytes):
            continue
        status = status_pb2.Status.FromString(value)
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return info
    return None


def from_rpc(exc: grpc.RpcError) -> errors.AgentConfigError:
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    message = (exc.details() if hasattr(exc, "details") else "") or str(code)
    info = _error_info(exc)
    cls = _BY_CODE.get(code, errors.AgentConfigError)
    return cls(message, reason=info.reason if info else None,
               metadata=dict(info.metadata) if info else None)
