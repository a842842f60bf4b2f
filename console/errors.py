"""What a page shows when a call fails: one readable sentence and, for bad input, each
problem with its field path. Every gRPC failure is translated here, in one place, so a
person never sees a stack trace.

    ConsoleError          any failed call: the server's message (and its reason)
    ├── Conflict          ABORTED, ALREADY_EXISTS: a stale revision or etag (HTTP 409)
    ├── Invalid           INVALID_ARGUMENT with violations, FAILED_PRECONDITION (HTTP 422)
    ├── Forbidden         PERMISSION_DENIED, UNAUTHENTICATED (HTTP 403)
    └── Unreachable       UNAVAILABLE, DEADLINE_EXCEEDED (HTTP 503)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


@dataclass(frozen=True)
class Problem:
    """One field problem: ``field`` is the server's path, e.g. ``agent/support.temperature``;
    ``line`` is where the editor shows that field (0: not located)."""
    field: str
    description: str
    line: int = 0


@dataclass
class ConsoleError(Exception):
    message: str
    problems: list[Problem] = field(default_factory=list)
    status: int = 502
    reason: str = ""

    def __str__(self) -> str:
        return self.message


class Conflict(ConsoleError):
    pass


class Invalid(ConsoleError):
    pass


class Forbidden(ConsoleError):
    pass


class Unreachable(ConsoleError):
    pass


def from_rpc(exc: grpc.RpcError, service: str) -> ConsoleError:
    code: grpc.StatusCode = exc.code()
    text: str = exc.details() or code.name
    info, problems = _details(exc)
    reason = info.reason
    shown = f"{text} ({reason})" if reason else text
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        return Unreachable(f"the {service} is not reachable right now: {shown}", problems,
                           503, reason)
    if code in (grpc.StatusCode.ABORTED, grpc.StatusCode.ALREADY_EXISTS):
        return Conflict(shown, problems, 409, reason)
    if code in (grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION):
        return Invalid(shown, problems, 422, reason)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        role = info.metadata.get("required_role", "")
        needs = f": this needs the {role} role" if role else ""
        return Forbidden(f"not allowed{needs} ({shown})", problems, 403, reason)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return Forbidden(f"the key was not accepted ({shown}); sign in again", problems, 401,
                         reason)
    if code == grpc.StatusCode.NOT_FOUND:
        return ConsoleError(shown, problems, 404, reason)
    return ConsoleError(f"the {service} answered {code.name}: {shown}", problems, 502, reason)


def _details(exc: grpc.RpcError) -> tuple[error_details_pb2.ErrorInfo, list[Problem]]:
    info = error_details_pb2.ErrorInfo()
    try:
        status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    except ValueError:
        return info, []
    problems: list[Problem] = []
    for detail in status.details if status is not None else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            problems += [Problem(v.field, v.description) for v in bad.field_violations]
    return info, problems
