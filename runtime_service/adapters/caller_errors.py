"""The config service's answers to calls made with a caller's own key (RunTests forwards
it), turned back into the shared domain errors as they were: same class, reason, metadata
and field violations. The caller made the request, so the caller reads the refusal
("ROLE_REQUIRED", "test_run.cases[3].error: TOO_LONG"), unlike the runtime's own reads,
where a refusal means the runtime is misconfigured (config_client._translate)."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig import errors

CLASSES: dict[grpc.StatusCode, type[errors.AgentConfigError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: errors.InvalidArgument,
    grpc.StatusCode.NOT_FOUND: errors.NotFound,
    grpc.StatusCode.ALREADY_EXISTS: errors.AlreadyExists,
    grpc.StatusCode.FAILED_PRECONDITION: errors.FailedPrecondition,
    grpc.StatusCode.ABORTED: errors.Conflict,
    grpc.StatusCode.PERMISSION_DENIED: errors.PermissionDenied,
    grpc.StatusCode.UNAUTHENTICATED: errors.Unauthenticated,
    grpc.StatusCode.RESOURCE_EXHAUSTED: errors.ResourceExhausted,
}


def _details(exc: grpc.aio.AioRpcError,
             ) -> tuple[str, dict[str, str], list[errors.FieldViolation]]:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    reason, metadata, violations = "", {}, []
    for detail in status.details if status else ():
        info, bad = error_details_pb2.ErrorInfo(), error_details_pb2.BadRequest()
        if detail.Unpack(info):
            reason, metadata = info.reason, dict(info.metadata)
        elif detail.Unpack(bad):
            violations = [errors.FieldViolation(v.field, v.description, v.reason)
                          for v in bad.field_violations]
    return reason, metadata, violations


def as_caller(exc: grpc.aio.AioRpcError) -> errors.AgentConfigError:
    message = exc.details() or exc.code().name
    cls = CLASSES.get(exc.code())
    if cls is None:  # UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL ...: retry later
        return errors.Unavailable(f"config service: {exc.code().name}: {message}",
                                  reason="CONFIG_SERVICE_UNAVAILABLE")
    reason, metadata, violations = _details(exc)
    return cls(message, reason=reason or None, metadata=metadata, violations=violations)
