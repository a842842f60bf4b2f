"""Spans for gRPC. Client side: opentelemetry-instrumentation-grpc's interceptors (a CLIENT
span per call, the context injected into the metadata). Server side: a SERVER span around
the call pipeline's behavior rather than that package's aio server interceptor, because the
pipeline wraps each method once at registration: with tracing off no wrapper is added, so
an untraced runtime answers ResolveChannel exactly as before."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc
from opentelemetry import propagate, trace

from agentconfig.tracing import _provider
from agentconfig.tracing._provider import tracer

Unary = Callable[[Any, Any], Awaitable[Any]]
Stream = Callable[[Any, Any], AsyncIterator[Any]]
# the codes that make a SERVER span an error (OpenTelemetry's semantic conventions): the
# others are the caller's mistake, not the server's
_SERVER_ERRORS = frozenset({grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED,
                           grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL,
                           grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DATA_LOSS})


def aio_client_interceptors() -> list[grpc.aio.ClientInterceptor]:
    """For grpc.aio channels; none while tracing is off."""
    if not _provider.enabled():
        return []
    # imported when tracing is on only: agentctl starts faster without it
    from opentelemetry.instrumentation.grpc import aio_client_interceptors as _aio_interceptors

    return list(_aio_interceptors(  # type: ignore[no-untyped-call]
        tracer_provider=_provider.provider()))


def intercept_sync_channel(channel: grpc.Channel) -> grpc.Channel:
    """``channel`` with a CLIENT span per call (agentctl); unchanged while tracing is off."""
    if not _provider.enabled():
        return channel
    from opentelemetry.instrumentation.grpc import client_interceptor
    from opentelemetry.instrumentation.grpc.grpcext import intercept_channel

    traced: grpc.Channel = intercept_channel(  # type: ignore[no-untyped-call]
        channel, client_interceptor(  # type: ignore[no-untyped-call]
            tracer_provider=_provider.provider()))
    return traced


def _start(method: str, context: Any) -> Any:
    service, _, name = method.lstrip("/").partition("/")
    parent = propagate.extract(dict(context.invocation_metadata() or ()))
    return tracer().start_as_current_span(
        method.lstrip("/"), context=parent, kind=trace.SpanKind.SERVER,
        attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": name},
        record_exception=False, set_status_on_exception=False)


def _finish(span: trace.Span, context: Any, failed: BaseException | None) -> None:
    if not span.is_recording():
        return  # sampled out: nothing to annotate
    code = context.code() if hasattr(context, "code") else None
    if not isinstance(code, grpc.StatusCode):
        code = grpc.StatusCode.OK if failed is None else grpc.StatusCode.UNKNOWN
    span.set_attribute("rpc.grpc.status_code", code.value[0])
    for key, value in (context.trailing_metadata() if hasattr(context, "trailing_metadata")
                       else None) or ():
        if key == "x-request-id":
            span.set_attribute("request_id", value)
    if code in _SERVER_ERRORS:
        span.set_status(trace.Status(trace.StatusCode.ERROR, code.name))


def server_unary(behavior: Unary, method: str) -> Unary:
    """``behavior`` inside a SERVER span, child of the caller's context if it sent one."""

    async def call(request: Any, context: Any) -> Any:
        with _start(method, context) as span:
            try:
                response = await behavior(request, context)
            except BaseException as exc:
                _finish(span, context, exc)
                raise
            _finish(span, context, None)
            return response

    return call


def server_stream(behavior: Stream, method: str) -> Stream:
    async def call(request: Any, context: Any) -> AsyncIterator[Any]:
        with _start(method, context) as span:
            try:
                async for item in behavior(request, context):
                    yield item
            except BaseException as exc:
                _finish(span, context, exc)
                raise
            _finish(span, context, None)

    return call
