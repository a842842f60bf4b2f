"""Prometheus metrics: per-RPC counts by status code and latency for both services, plus the
few gauges and counters that tell an operator whether configuration is flowing (see
docs/operations.md). Exposed over HTTP when a metrics address is configured."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from prometheus_client import Counter, Gauge, Histogram, start_http_server

RPCS = Counter("agentconfig_rpcs_total", "Calls handled, by method and status code",
               ["method", "code"])
RPC_SECONDS = Histogram("agentconfig_rpc_seconds", "Call latency by method", ["method"],
                        buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                 0.5, 1, 2.5))
MOVES_DELIVERED = Counter("agentconfig_production_moves_delivered_total",
                          "Production moves delivered to the notifier (Redis or the bus)")
OUTBOX_PENDING = Gauge("agentconfig_outbox_pending", "Production moves not yet delivered")
RELAY_FAILURES = Counter("agentconfig_relay_failures_total", "Failed outbox deliveries")
SERVED_VERSION = Gauge("agentconfig_runtime_served_version",
                       "Version this replica serves", ["workspace"])
RELOADS = Counter("agentconfig_runtime_reloads_total", "Snapshots swapped in")
REFUSED = Counter("agentconfig_runtime_refused_snapshots_total",
                  "Snapshots refused because their hash did not verify")
DEGRADED = Gauge("agentconfig_runtime_degraded", "1 while the replica reports degraded")


def serve_metrics(address: str) -> None:
    """Start the /metrics HTTP endpoint on "host:port" (empty: none)."""
    if address:
        host, _, port = address.rpartition(":")
        start_http_server(int(port), addr=host or "0.0.0.0")


def _code(context: Any) -> str:
    code = context.code() if hasattr(context, "code") else None
    return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"


class MetricsInterceptor(grpc.aio.ServerInterceptor):
    """Outermost: sees every call's final status, including the error-mapped ones."""

    def __init__(self) -> None:
        self._wrapped: dict[str, Any] = {}

    async def intercept_service(
        self, continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Any]],
        handler_call_details: grpc.HandlerCallDetails) -> Any:
        method = handler_call_details.method
        if method not in self._wrapped:
            self._wrapped[method] = _wrap(await continuation(handler_call_details), method)
        return self._wrapped[method]


def _wrap(handler: Any, method: str) -> Any:
    if handler is None:
        return None
    name = method.rsplit("/", 1)[-1]
    ok, seconds = RPCS.labels(name, "OK"), RPC_SECONDS.labels(name)
    if handler.unary_unary:
        unary = handler.unary_unary

        async def timed(request: Any, context: Any) -> Any:
            started = time.perf_counter()
            try:
                response = await unary(request, context)
            except BaseException:
                RPCS.labels(name, _code(context)).inc()
                raise
            finally:
                seconds.observe(time.perf_counter() - started)
            ok.inc()
            return response

        return grpc.unary_unary_rpc_method_handler(
            timed, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)
    if handler.unary_stream:
        stream = handler.unary_stream

        async def counted(request: Any, context: Any) -> AsyncIterator[Any]:
            try:
                async for item in stream(request, context):
                    yield item
            except BaseException:
                RPCS.labels(name, _code(context)).inc()
                raise
            ok.inc()

        return grpc.unary_stream_rpc_method_handler(
            counted, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)
    return handler
