"""agentctl's and the console's channels are the SDK's (agentconfig.client.options), against
real grpc servers on port 0 (servicers of our own, no database): a read answered UNAVAILABLE
is retried by the service config, a write is not, and the key still travels with each call."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent import futures
from typing import Any

import grpc
import pytest

from agentconfig.client.options import CONFIG_READS, RUNTIME_READS
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from agentctl import errors as cli_errors
from agentctl.client import Connection
from agentctl.settings import Settings
from console import errors as console_errors
from console.backend import Backend
from console.settings import ConsoleSettings

# every unary call that changes something; the channel must never retry these
WRITES = {
    "ConfigService": {
        "CreateWorkspace", "UpdateWorkspaceSettings", "CreateDraftEntity", "UpdateDraftEntity",
        "DeleteDraftEntity", "ApplyDraftEntities", "PublishDraft", "RestoreVersion",
        "RestoreDraftBackup", "RollbackToVersion", "StartRollout", "AdvanceRollout",
        "PromoteRollout", "AbortRollout", "ReportOutcomeCounts", "SchedulePublish",
        "CancelSchedule", "CreateApiKey", "RevokeApiKey", "CreateChannel", "UpdateChannel",
        "DeleteChannel", "CreateTestCase", "UpdateTestCase", "DeleteTestCase",
        "CreateTestRun"},
    "RuntimeService": {"Chat", "RunTests", "ReportOutcomes"},
}
READS = {"ConfigService": set(CONFIG_READS), "RuntimeService": set(RUNTIME_READS)}


class Calls:
    """UNAVAILABLE for the first ``failures`` calls of each method; remembers each call's
    authorization header."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.counts: dict[str, int] = {}
        self.keys: list[str] = []

    def count(self, name: str, context: grpc.ServicerContext) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1
        metadata: Any = context.invocation_metadata() or ()
        self.keys.append(str(dict(metadata).get("authorization", "")))
        if self.counts[name] <= self.failures:
            context.abort(grpc.StatusCode.UNAVAILABLE, "restarting")


class Config(cgrpc.ConfigServiceServicer):
    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    def GetWorkspace(self, request: cpb.GetWorkspaceRequest, context: grpc.ServicerContext,
                     ) -> cpb.GetWorkspaceResponse:
        self.calls.count("GetWorkspace", context)
        return cpb.GetWorkspaceResponse()

    def GetCaller(self, request: cpb.GetCallerRequest, context: grpc.ServicerContext,
                  ) -> cpb.GetCallerResponse:
        self.calls.count("GetCaller", context)
        return cpb.GetCallerResponse()

    def PublishDraft(self, request: cpb.PublishDraftRequest, context: grpc.ServicerContext,
                     ) -> cpb.PublishDraftResponse:
        self.calls.count("PublishDraft", context)
        return cpb.PublishDraftResponse()


class Runtime(rgrpc.RuntimeServiceServicer):
    def __init__(self, calls: Calls) -> None:
        self.calls = calls

    def GetConversation(self, request: rpb.GetConversationRequest,
                        context: grpc.ServicerContext) -> rpb.GetConversationResponse:
        self.calls.count("GetConversation", context)
        return rpb.GetConversationResponse()

    def Chat(self, request: rpb.ChatRequest, context: grpc.ServicerContext,
             ) -> rpb.ChatResponse:
        self.calls.count("Chat", context)
        return rpb.ChatResponse()


def _serve(add: Any) -> tuple[grpc.Server, str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    add(server)
    address = f"127.0.0.1:{server.add_insecure_port('127.0.0.1:0')}"
    server.start()
    return server, address


@pytest.fixture
def servers() -> Iterator[tuple[Calls, str, str]]:
    """Both services, each failing the first two calls of every method."""
    calls = Calls(failures=2)
    config_servicer = Config(calls)  # type: ignore[abstract]
    runtime_servicer = Runtime(calls)  # type: ignore[abstract]
    config, config_addr = _serve(
        lambda s: cgrpc.add_ConfigServiceServicer_to_server(config_servicer, s))
    runtime, runtime_addr = _serve(
        lambda s: rgrpc.add_RuntimeServiceServicer_to_server(runtime_servicer, s))
    yield calls, config_addr, runtime_addr
    config.stop(0)
    runtime.stop(0)


def test_every_unary_call_is_either_a_retried_read_or_a_write() -> None:
    for module, service in ((cpb, "ConfigService"), (rpb, "RuntimeService")):
        methods = module.DESCRIPTOR.services_by_name[service].methods
        unary = {m.name for m in methods if not m.server_streaming}
        assert unary == READS[service] | WRITES[service], service
        assert not READS[service] & WRITES[service]


def test_agentctl_retries_reads_not_writes(servers: tuple[Calls, str, str]) -> None:
    calls, config, runtime = servers
    conn = Connection(Settings(config_addr=config, runtime_addr=runtime, key="k-cli"))
    try:
        conn.call(conn.stub.GetWorkspace, cpb.GetWorkspaceRequest(workspace_id="w"))
        conn.call(conn.stub.GetCaller, cpb.GetCallerRequest())
        conn.runtime_call(conn.runtime.GetConversation, rpb.GetConversationRequest())
        with pytest.raises(cli_errors.Unreachable):
            conn.call(conn.stub.PublishDraft, cpb.PublishDraftRequest(workspace_id="w"))
        with pytest.raises(cli_errors.Unreachable):
            conn.runtime_call(conn.runtime.Chat, rpb.ChatRequest())
    finally:
        conn.close()
    assert calls.counts == {"GetWorkspace": 3, "GetCaller": 3, "GetConversation": 3,
                            "PublishDraft": 1, "Chat": 1}
    assert set(calls.keys) == {"Bearer k-cli"}  # every attempt carries the key


async def test_the_console_retries_reads_not_writes(servers: tuple[Calls, str, str]) -> None:
    calls, config, runtime = servers
    backend = Backend(ConsoleSettings(config_service=config, runtime_service=runtime))
    await backend.start()
    try:
        await backend.call(backend.config.GetWorkspace, cpb.GetWorkspaceRequest(), "k-web")
        await backend.call(backend.runtime.GetConversation, rpb.GetConversationRequest(),
                           "k-web", service="runtime service")
        with pytest.raises(console_errors.Unreachable):
            await backend.call(backend.config.PublishDraft, cpb.PublishDraftRequest(), "k-web")
        with pytest.raises(console_errors.Unreachable):
            await backend.call(backend.runtime.Chat, rpb.ChatRequest(), "k-web",
                               service="runtime service")
    finally:
        await backend.stop()
    assert calls.counts == {"GetWorkspace": 3, "GetConversation": 3, "PublishDraft": 1,
                            "Chat": 1}
    assert set(calls.keys) == {"Bearer k-web"}
