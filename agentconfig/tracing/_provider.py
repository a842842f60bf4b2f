"""The one tracer provider of a process. It is kept here rather than only in OpenTelemetry's
global slot because that slot can be set once per process: tests install an in-memory
exporter and remove it again, and the process's other tests run untraced."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

_NOOP: trace.Tracer = trace.NoOpTracer()
_provider: TracerProvider | None = None
_tracer: trace.Tracer = _NOOP


def enabled() -> bool:
    return _provider is not None


def provider() -> TracerProvider | None:
    return _provider


def tracer() -> trace.Tracer:
    """A recording tracer once a provider is installed, else a no-op one."""
    return _tracer


def install(provider: TracerProvider) -> None:
    global _provider, _tracer
    _provider, _tracer = provider, provider.get_tracer("agentconfig")


def uninstall() -> None:
    global _provider, _tracer
    _provider, _tracer = None, _NOOP


def endpoint() -> str:
    """Where spans go: AGENTCONFIG_OTLP_ENDPOINT, else the standard OpenTelemetry variables
    (traces-specific first); empty: tracing stays off."""
    for name in ("AGENTCONFIG_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                 "OTEL_EXPORTER_OTLP_ENDPOINT"):
        if os.environ.get(name):
            return os.environ[name]
    return ""


def configure(service_name: str) -> bool:
    """Export spans over OTLP/gRPC when an endpoint is configured; True when tracing is on.
    Call before anything opens a channel or starts a server (their interceptors are chosen
    then). A provider already installed (a test's, or an earlier call's) is kept."""
    if _provider is not None:
        return True
    url = endpoint()
    if not url or os.environ.get("OTEL_SDK_DISABLED", "").lower() == "true":
        return False
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
        OTLPSpanExporter,  # imported only when used: it loads its own gRPC stubs
    )

    provider = TracerProvider(resource=Resource.create(
        {SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME") or service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=url)))
    install(provider)
    trace.set_tracer_provider(provider)  # for any other instrumentation the operator adds
    return True


def flush() -> None:
    """Export what is buffered (a process about to stop, a CLI command that finished)."""
    if _provider is not None:
        _provider.force_flush()
