"""OpenTelemetry tracing for both services and agentctl, off by default.

Until a provider is installed (``configure`` when OTEL_EXPORTER_OTLP_ENDPOINT or
AGENTCONFIG_OTLP_ENDPOINT names a collector, or a test's ``install``), every helper hands
out non-recording spans and the call pipeline adds no wrapper at all, so the runtime's hot
read path pays nothing for the feature it does not use.

A publish's trace crosses three boundaries, each carrying a W3C ``traceparent``:
  gRPC metadata  agentctl -> config service, runtime -> config service (the
                 instrumentation's client interceptors inject it, the call pipeline's
                 server span extracts it)
  the outbox row written in the publish's transaction, read by the relay (which may run
                 in another process, seconds later)
  the notice     Redis or the in-process bus, read by each replica's reload (the field is
                 outside the delta's signature: docs/security.md)
"""

from agentconfig.tracing._context import (
    begin,
    continued,
    current_traceparent,
    span,
    valid_traceparent,
)
from agentconfig.tracing._grpc import (
    aio_client_interceptors,
    intercept_sync_channel,
    server_stream,
    server_unary,
)
from agentconfig.tracing._provider import (
    configure,
    enabled,
    endpoint,
    flush,
    install,
    tracer,
    uninstall,
)

__all__ = ["aio_client_interceptors", "begin", "configure", "continued", "current_traceparent",
           "enabled", "endpoint", "flush", "install", "intercept_sync_channel",
           "server_stream", "server_unary", "span", "tracer", "uninstall",
           "valid_traceparent"]
