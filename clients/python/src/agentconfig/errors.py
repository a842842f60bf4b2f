"""The one error hierarchy of both services. Domain code raises these; they know nothing of
gRPC, and ``agentconfig.rpc_status`` maps each class to a status code in one place.

    AgentConfigError
    ├── InvalidArgument          bad input; carries field violations
    ├── NotFound
    ├── AlreadyExists
    ├── FailedPrecondition       the system is not in a state to do it
    │   ├── DraftInvalid         publish of a Draft that does not validate; carries violations
    │   └── NothingToPublish
    ├── Conflict                 optimistic concurrency: stale etag or revision (ABORTED)
    ├── PermissionDenied
    ├── Unauthenticated
    ├── ResourceExhausted        a limit was reached
    └── Unavailable              a dependency is down; retry later (RetryInfo)

    StartupError                 a process cannot start (e.g. its port is taken); never
                                 crosses the wire, so it is outside the tree above: each
                                 entry point prints it as one line and exits non-zero
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FieldViolation:
    field: str
    description: str
    reason: str = "INVALID"
    kind: str = ""
    entity_id: str = ""


class AgentConfigError(Exception):
    reason = "ERROR"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        violations: Sequence[FieldViolation] = (),
        metadata: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if reason:
            self.reason = reason
        self.violations = tuple(violations)
        self.metadata = dict(metadata or {})


class InvalidArgument(AgentConfigError):
    reason = "INVALID_ARGUMENT"


class NotFound(AgentConfigError):
    reason = "NOT_FOUND"


class AlreadyExists(AgentConfigError):
    reason = "ALREADY_EXISTS"


class FailedPrecondition(AgentConfigError):
    reason = "FAILED_PRECONDITION"


class DraftInvalid(FailedPrecondition):
    reason = "DRAFT_INVALID"


class NothingToPublish(FailedPrecondition):
    reason = "NOTHING_TO_PUBLISH"


class Conflict(AgentConfigError):
    reason = "CONFLICT"


class PermissionDenied(AgentConfigError):
    reason = "PERMISSION_DENIED"


class Unauthenticated(AgentConfigError):
    reason = "UNAUTHENTICATED"


class ResourceExhausted(AgentConfigError):
    reason = "RESOURCE_EXHAUSTED"


class Unavailable(AgentConfigError):
    """A dependency (database, Redis, the config service) cannot answer now; the request
    itself was fine, so the same request may be sent again. ``retry_after_seconds``, when the
    raiser knows one, is sent as google.rpc.RetryInfo so clients wait that long instead of
    guessing."""

    reason = "UNAVAILABLE"

    def __init__(self, message: str, *, reason: str | None = None,
                 metadata: Mapping[str, str] | None = None,
                 retry_after_seconds: float | None = None) -> None:
        super().__init__(message, reason=reason, metadata=metadata)
        self.retry_after_seconds = retry_after_seconds


def invalid(field: str, description: str, reason: str = "INVALID") -> InvalidArgument:
    """One-field InvalidArgument, the most common error of request checking."""
    return InvalidArgument(f"{field}: {description}", violations=[
        FieldViolation(field, description, reason)])


class StartupError(Exception):
    """A server cannot start, said in one line an operator can act on (which address, the
    likely cause, what to change). Entry points print ``str(error)`` and exit 1."""
