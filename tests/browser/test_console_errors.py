"""No browser needed: every gRPC status a service can answer becomes a readable page
message with a fitting HTTP status (the console's one translation, console/errors.py),
field violations keep their paths, and a problem is placed on its line of the YAML."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2

from console.entities import located
from console.errors import Conflict, ConsoleError, Forbidden, Invalid, Problem, Unreachable
from console.errors import from_rpc as translate

EXPECTED = {grpc.StatusCode.ABORTED: (Conflict, 409), grpc.StatusCode.ALREADY_EXISTS:
            (Conflict, 409), grpc.StatusCode.INVALID_ARGUMENT: (Invalid, 422),
            grpc.StatusCode.FAILED_PRECONDITION: (Invalid, 422),
            grpc.StatusCode.PERMISSION_DENIED: (Forbidden, 403),
            grpc.StatusCode.UNAUTHENTICATED: (Forbidden, 401),
            grpc.StatusCode.UNAVAILABLE: (Unreachable, 503),
            grpc.StatusCode.DEADLINE_EXCEEDED: (Unreachable, 503),
            grpc.StatusCode.NOT_FOUND: (ConsoleError, 404)}


class Failed(grpc.RpcError):
    def __init__(self, code: grpc.StatusCode, details: str,
                 status: status_pb2.Status | None = None) -> None:
        self._code, self._details, self._status = code, details, status

    def code(self) -> grpc.StatusCode:
        return self._code

    def details(self) -> str:
        return self._details

    def trailing_metadata(self) -> tuple[tuple[str, bytes], ...]:  # type: ignore[override]
        if self._status is None:
            return ()
        return (("grpc-status-details-bin", self._status.SerializeToString()),)


@pytest.mark.parametrize("code", [c for c in grpc.StatusCode if c != grpc.StatusCode.OK])
def test_every_status_is_a_readable_message(code: grpc.StatusCode) -> None:
    found = translate(Failed(code, "what the server said"), "config service")
    kind, status = EXPECTED.get(code, (ConsoleError, 502))
    assert type(found) is kind and found.status == status
    assert "what the server said" in found.message and "Traceback" not in found.message


def test_violations_keep_their_paths_and_the_role_is_named() -> None:
    bad = error_details_pb2.BadRequest(field_violations=[
        error_details_pb2.BadRequest.FieldViolation(field="entity.agent.temperature",
                                                    description="must be between 0 and 2")])
    info = error_details_pb2.ErrorInfo(reason="ROLE_REQUIRED",
                                       metadata={"required_role": "publisher"})
    details = [any_pb2.Any(), any_pb2.Any()]
    details[0].Pack(bad)
    details[1].Pack(info)
    status = status_pb2.Status(code=code_pb2.INVALID_ARGUMENT, message="bad", details=details)
    found = translate(Failed(grpc.StatusCode.INVALID_ARGUMENT, "bad", status), "x")
    assert found.problems == [Problem("entity.agent.temperature", "must be between 0 and 2")]
    status.code = code_pb2.PERMISSION_DENIED
    refused = translate(Failed(grpc.StatusCode.PERMISSION_DENIED, "bad", status), "x")
    assert "needs the publisher role" in refused.message


def test_a_problem_is_placed_on_its_line() -> None:
    text = "name: X\ninstructions: hi\ntemperature: 9\nhandoff_rules:\n- to_agent_id: b\n"
    found = located([Problem("entity.agent.temperature", "a"),
                     Problem("squad/desk.handoff_rules[0].condition", "b"),
                     Problem("spec", "c")], text)
    assert [p.line for p in found] == [3, 4, 0]
