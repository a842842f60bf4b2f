"""Issue 13: one trace follows a publish from agentctl through the config service's
PublishDraft, the outbox relay's delivery and the notice to the runtime replica's reload and
the fetch it makes, so an operator sees where a slow rollout spent its time. The embedded
topology (both services and the in-process bus in this process, as agentconfig-dev runs
them) and agentctl in-process, with the SDK's in-memory exporter. Parent links are asserted,
never timings."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as otlp
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2_grpc as otlp_grpc
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from typer.testing import CliRunner

from agentconfig import tracing
from agentconfig.bus import InProcessBus
from agentconfig.grpc_server import RunningServer, server_options, start_server
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentctl.main import app
from config_service.bootstrap import bootstrap as bootstrap_config
from config_service.main import service as config_service
from config_service.settings import ConfigServiceSettings
from runtime_service.bootstrap import RuntimeApp
from runtime_service.bootstrap import bootstrap as bootstrap_runtime
from runtime_service.main import service as runtime_service
from runtime_service.settings import RuntimeSettings
from tests.harness import workspace

WS = "traced"
CONFIG = "agentconfig.v1.ConfigService"


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test only: servers and channels made meanwhile are traced."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.uninstall()


@pytest_asyncio.fixture(loop_scope="session")
async def embedded(spans: InMemorySpanExporter, tmp_path: Path,
                   ) -> AsyncIterator[tuple[str, RuntimeApp]]:
    """agentconfig-dev's wiring (embedded/main.py) on port 0, without keys: no service key
    means no delta in the notice, so the replica fetches the change, as a fleet's would."""
    bus = InProcessBus()
    config_app = bootstrap_config(ConfigServiceSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/config.db", redis_url="",
        listen="127.0.0.1:0", relay_interval_seconds=0.2, auth_required=False), bus=bus)
    await config_app.start()
    servers: list[RunningServer] = [await start_server(
        "127.0.0.1:0", [config_service(config_app)], hooks=config_app.hooks,
        **server_options(config_app.settings))]
    address = f"127.0.0.1:{servers[0].port}"
    runtime_app = bootstrap_runtime(RuntimeSettings(
        listen="127.0.0.1:0", config_service=address, redis_url="",
        data_dir=str(tmp_path / "runtime"), replica_id="embedded", reconcile_seconds=30,
        auth_required=False), bus=bus)
    await runtime_app.start()
    servers.append(await start_server("127.0.0.1:0", [runtime_service(runtime_app)],
                                      hooks=runtime_app.hooks,
                                      **server_options(runtime_app.settings)))
    try:
        yield address, runtime_app
    finally:
        for server in reversed(servers):
            await server.stop(0.5)
        await runtime_app.stop()
        await config_app.stop()


def _agentctl(address: str, home: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["--config-addr", address, "-w", WS, *args], env={
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"), "AGENTCTL_KEY": "", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def _one(spans: list[ReadableSpan], name: str, parent: ReadableSpan) -> ReadableSpan:
    """The span called ``name`` whose parent is ``parent``, in ``parent``'s trace."""
    found = [s for s in spans if s.name == name and s.parent is not None
             and s.parent.span_id == parent.context.span_id
             and s.context.trace_id == parent.context.trace_id]
    assert len(found) == 1, (name, [(s.name, s.parent) for s in spans])
    return found[0]


async def _served(runtime: RuntimeApp, version: int) -> None:
    for _ in range(500):  # bounded wait for background work; nothing is timed
        state = runtime.loader.store.get(WS)
        if state is not None and state.current is not None \
                and state.current.version == version and not runtime.loader._tasks:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the replica never served v{version}")


async def test_one_trace_from_agentctl_to_the_replicas_reload(
        embedded: tuple[str, RuntimeApp], spans: InMemorySpanExporter, tmp_path: Path,
        ) -> None:
    address, runtime = embedded
    async with grpc.aio.insecure_channel(address) as channel:
        stub = cgrpc.ConfigServiceStub(channel)
        await workspace.seed(stub, WS)
        await runtime.loader.ensure(WS)  # the replica serves v1: v2 comes as a reload
        await stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
            workspace_id=WS, entities=workspace.entities("Be brief.")))
    spans.clear()
    output = await asyncio.to_thread(_agentctl, address, tmp_path, "publish", "-m",
                                     "traced publish", "--yes", "--no-wait")
    assert "Published v2" in output
    await _served(runtime, 2)

    finished = list(spans.get_finished_spans())
    client = next(s for s in finished if s.name == f"/{CONFIG}/PublishDraft")
    assert client.kind == SpanKind.CLIENT and client.parent is not None  # the command's
    trace = [s for s in finished if s.context.trace_id == client.context.trace_id]
    command = next(s for s in trace if s.context.span_id == client.parent.span_id)
    assert command.parent is None and command.name.endswith("publish")
    server = _one(trace, f"{CONFIG}/PublishDraft", client)
    assert server.kind == SpanKind.SERVER
    deliver = _one(trace, "relay.deliver", server)
    assert deliver.attributes is not None and deliver.attributes["agentconfig.version"] == 2
    reload = _one(trace, "reload", deliver)
    assert reload.kind == SpanKind.CONSUMER
    fetches = [s for s in trace if s.kind == SpanKind.CLIENT and s.parent is not None
               and s.parent.span_id == reload.context.span_id]
    assert {s.name for s in fetches} >= {f"/{CONFIG}/GetVersionChanges"}, fetches
    for fetch in fetches:  # and the config service answered each inside the same trace
        _one(trace, fetch.name.lstrip("/"), fetch)


class _Collector(otlp_grpc.TraceServiceServicer):
    def __init__(self) -> None:
        self.names: list[str] = []

    async def Export(self, request: Any, context: Any) -> Any:
        self.names += [s.name for r in request.resource_spans for ss in r.scope_spans
                       for s in ss.spans]
        return otlp.ExportTraceServiceResponse()


EXPORTING = """
from agentconfig import tracing
assert tracing.configure("probe")
with tracing.span("probe-span"):
    pass
tracing.flush()
"""


async def test_the_standard_variable_turns_otlp_export_on() -> None:
    """A process given OTEL_EXPORTER_OTLP_ENDPOINT exports its spans to that collector (in
    a process of its own: a configured provider is the process's for good)."""
    server = grpc.aio.server()
    collector = _Collector()
    otlp_grpc.add_TraceServiceServicer_to_server(  # type: ignore[no-untyped-call]
        collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "AGENTC"))}
        probe = await asyncio.create_subprocess_exec(
            sys.executable, "-c", EXPORTING,
            env=env | {"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{port}"})
        assert await asyncio.wait_for(probe.wait(), 60) == 0
    finally:
        await server.stop(0)
    assert collector.names == ["probe-span"]


def test_tracing_is_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AGENTCONFIG_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                 "OTEL_EXPORTER_OTLP_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert not tracing.configure("probe") and not tracing.enabled()
    assert tracing.aio_client_interceptors() == [] and tracing.current_traceparent() == ""
