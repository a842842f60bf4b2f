"""Every call has a request id: the caller's ``x-request-id`` if it sent one (a gateway's,
so its logs and ours share it), else one made up; it comes back as ``x-request-id``
trailing metadata, on failures too, and every log line written during the call carries it,
with the trace id when a span records."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import TracerProvider

from agentconfig.logs import REQUEST_ID, JsonFormatter
from agentconfig.v1 import config_service_pb2 as cpb
from tests.harness.services import ConfigHandle, start_config_service


@pytest_asyncio.fixture(loop_scope="session")
async def sqlite_config(tmp_path: Path) -> AsyncIterator[ConfigHandle]:
    handle = await start_config_service(f"sqlite+aiosqlite:///{tmp_path}/c.db")
    yield handle
    await handle.stop()


def _request_id(metadata: object) -> str:
    return dict(metadata or ()).get("x-request-id", "")  # type: ignore[call-overload,no-any-return]


async def test_the_callers_request_id_comes_back(sqlite_config: ConfigHandle) -> None:
    call = sqlite_config.stub.ListWorkspaces(cpb.ListWorkspacesRequest(),
                                             metadata=(("x-request-id", "gw-42"),))
    await call
    assert _request_id(await call.trailing_metadata()) == "gw-42"


async def test_a_request_id_is_made_when_none_is_sent(sqlite_config: ConfigHandle) -> None:
    ids = set()
    for _ in range(2):
        call = sqlite_config.stub.ListWorkspaces(cpb.ListWorkspacesRequest())
        await call
        ids.add(_request_id(await call.trailing_metadata()))
    assert len(ids) == 2 and all(len(i) == 16 for i in ids)


async def test_a_failed_call_keeps_its_request_id_beside_the_error_details(
        sqlite_config: ConfigHandle) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await sqlite_config.stub.GetWorkspace(cpb.GetWorkspaceRequest(workspace_id="nope-ws"),
                                              metadata=(("x-request-id", "gw-43"),))
    assert failed.value.code() == grpc.StatusCode.NOT_FOUND
    trailing = dict(failed.value.trailing_metadata() or ())
    assert trailing["x-request-id"] == "gw-43"
    assert "grpc-status-details-bin" in trailing  # the rich error details are still there


def test_log_lines_carry_the_request_and_trace_ids() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "hello", None, None)
    tracer = TracerProvider().get_tracer("test")
    token = REQUEST_ID.set("req-1")
    try:
        with tracer.start_as_current_span("work") as span:
            line = json.loads(JsonFormatter().format(record))
    finally:
        REQUEST_ID.reset(token)
    assert line["request_id"] == "req-1"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    outside = json.loads(JsonFormatter().format(record))
    assert "request_id" not in outside and "trace_id" not in outside
