"""What the CLI reports as one clear line (never a traceback), with its exit code, and the
one place where gRPC failures are translated into it.

    CliError                 exit 1: anything else: UNAUTHENTICATED (no, unknown, revoked
                                     or expired key), PERMISSION_DENIED (naming the role
                                     the server requires), a server error ...
    ├── Usage                exit 2: a usage mistake found after parsing (click's own
    │                                usage errors exit 2 as well)
    ├── Conflict             exit 3: ABORTED (stale revision or etag), ALREADY_EXISTS
    ├── Invalid              exit 4: FAILED_PRECONDITION, INVALID_ARGUMENT with violations,
    │                                a YAML file that does not parse, a Draft that does not
    │                                validate; carries each violation
    ├── NotFound             exit 5
    └── Unreachable          exit 6: UNAVAILABLE or DEADLINE_EXCEEDED (a failed TLS
                                     handshake too, with a hint); names the address

"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class Exit(IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    CONFLICT = 3
    INVALID = 4
    NOT_FOUND = 5
    UNAVAILABLE = 6


@dataclass(frozen=True)
class Violation:
    """One problem, already located: ``where`` names the file and entity when known."""
    where: str
    field: str
    description: str
    reason: str = ""

    def line(self) -> str:
        place = ": ".join(p for p in (self.where, self.field) if p)
        suffix = f" ({self.reason})" if self.reason else ""
        return f"{place}: {self.description}{suffix}" if place else self.description + suffix


@dataclass
class CliError(Exception):
    message: str
    violations: list[Violation] = field(default_factory=list)
    exit_code: Exit = Exit.ERROR

    def __str__(self) -> str:
        return self.message


class Usage(CliError):
    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message, violations or [], Exit.USAGE)


class Conflict(CliError):
    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message, violations or [], Exit.CONFLICT)


class Invalid(CliError):
    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message, violations or [], Exit.INVALID)


class NotFound(CliError):
    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message, violations or [], Exit.NOT_FOUND)


class Unreachable(CliError):
    def __init__(self, message: str, violations: list[Violation] | None = None) -> None:
        super().__init__(message, violations or [], Exit.UNAVAILABLE)


ErrorClass = type[CliError] | Callable[[str, "list[Violation] | None"], CliError]

# Every status code a server can answer with; a test checks none is missing.
STATUS_ERRORS: dict[grpc.StatusCode, ErrorClass] = {
    grpc.StatusCode.ABORTED: Conflict,
    grpc.StatusCode.ALREADY_EXISTS: Conflict,
    grpc.StatusCode.FAILED_PRECONDITION: Invalid,
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.UNAVAILABLE: Unreachable,
    grpc.StatusCode.DEADLINE_EXCEEDED: Unreachable,
    grpc.StatusCode.INVALID_ARGUMENT: CliError,  # Invalid when it carries violations
    grpc.StatusCode.PERMISSION_DENIED: CliError,
    grpc.StatusCode.UNAUTHENTICATED: CliError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: CliError,
    grpc.StatusCode.CANCELLED: CliError,
    grpc.StatusCode.UNKNOWN: CliError,
    grpc.StatusCode.OUT_OF_RANGE: CliError,
    grpc.StatusCode.UNIMPLEMENTED: CliError,
    grpc.StatusCode.INTERNAL: CliError,
    grpc.StatusCode.DATA_LOSS: CliError,
}

# How a violation's raw field path is turned into "file: entity" and a field inside it.
Locate = Callable[[str], tuple[str, str]]


def _no_location(field_path: str) -> tuple[str, str]:
    return "", field_path


NEEDS_KEY = "the server wants an API key: pass --key or set AGENTCTL_KEY"
TLS_WORDS = ("ssl", "tls", "handshake", "certificate", "x509")
CLOSED_WORDS = ("socket closed", "connection reset", "end of tcp stream", "connection closed")


def from_rpc(exc: grpc.RpcError, address: str, locate: Locate = _no_location,
             service: str = "config service", tls: bool = False) -> CliError:
    """The CliError for a failed call to the ``service`` at ``address`` (``tls``: whether
    the channel used TLS, for the hint when the connection fails)."""
    code: grpc.StatusCode = exc.code()
    message: str = exc.details() or code.name
    info, raw = _details(exc)
    reason = info.reason
    violations = [Violation(*locate(f.field), f.description, f.reason) for f in raw]
    if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED) and not reason:
        return Unreachable(f"cannot reach the {service} at {address} ({_one_line(message)})"
                           + _tls_hint(message, tls))
    text = f"{message} ({reason})" if reason else message
    if code == grpc.StatusCode.INVALID_ARGUMENT and violations:
        return Invalid(text, violations)
    if code == grpc.StatusCode.UNAUTHENTICATED:
        return CliError(f"{NEEDS_KEY} (the {service} said: {text})", violations)
    if code == grpc.StatusCode.PERMISSION_DENIED:
        role = info.metadata.get("required_role", "")
        if role:
            return CliError(f"permission denied: this needs the {role!r} role, which the key "
                            f"does not have ({text}) - use a key with that role "
                            f"(--key / AGENTCTL_KEY)", violations)
        text += " - check --key / AGENTCTL_KEY"
    return STATUS_ERRORS.get(code, CliError)(text, violations)


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _tls_hint(message: str, tls: bool) -> str:
    """Why a connection may have failed when TLS is (or is not) in play."""
    lowered = message.lower()
    closed = any(words in lowered for words in CLOSED_WORDS)
    if tls and any(word in lowered for word in TLS_WORDS):
        return (" - the TLS handshake failed: check that --tls-ca signed the server "
                "certificate and --tls-server-name (or the address's host) is a name in it")
    if tls and closed:
        return (" - the server closed the TLS connection: it may want a client certificate "
                "(--tls-cert/--tls-key) signed by a CA it trusts")
    if not tls and closed:
        return " - if the server uses TLS, pass --tls-ca (and --tls-cert/--tls-key for mTLS)"
    return ""


def _details(exc: grpc.RpcError,
             ) -> tuple[error_details_pb2.ErrorInfo,
                        list[error_details_pb2.BadRequest.FieldViolation]]:
    info = error_details_pb2.ErrorInfo()
    try:
        status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    except ValueError:  # details that do not match the status: ignore them
        return info, []
    if status is None:
        return info, []
    violations = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            violations.extend(bad.field_violations)
    return info, list(violations)
