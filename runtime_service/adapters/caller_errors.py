"""The config service's answers to calls made with a caller's own key (RunTests forwards
it), turned back into the shared domain errors as they were: same class, reason, metadata
and field violations. The caller made the request, so the caller reads the refusal
("ROLE_REQUIRED", "test_run.cases[3].error: TOO_LONG"), unlike the runtime's own reads,
where a refusal means the runtime is misconfigured (config_client._translate). The
translation itself is the client SDK's (agentconfig.client.rpc_errors.from_rpc)."""

from __future__ import annotations

import grpc

from agentconfig import errors
from agentconfig.client.rpc_errors import from_rpc

# what the caller can act on; anything else (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL ...)
# means the config service could not answer: retry later
CALLER_CODES = frozenset({
    grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS, grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.ABORTED, grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.RESOURCE_EXHAUSTED})


def as_caller(exc: grpc.aio.AioRpcError) -> errors.AgentConfigError:
    if exc.code() not in CALLER_CODES:
        message = exc.details() or exc.code().name
        return errors.Unavailable(f"config service: {exc.code().name}: {message}",
                                  reason="CONFIG_SERVICE_UNAVAILABLE")
    return from_rpc(exc)
