"""Trace context outside gRPC: spans of background work, and the W3C ``traceparent`` text
that the outbox row and the notice carry. The format is fixed to W3C Trace Context here
(not whatever OTEL_PROPAGATORS selects) because the stored text outlives the process that
wrote it: a relay or a replica configured differently must still read it."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context, attach, detach
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from agentconfig.tracing._provider import enabled, flush, tracer

_W3C = TraceContextTextMapPropagator()
_TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
Attributes = Mapping[str, Any] | None


def valid_traceparent(value: object) -> str:
    """``value`` if it has the shape of a traceparent, else "": the text comes from
    outside (a notice anyone on the channel may send) and is only ever a parent link."""
    return value if isinstance(value, str) and _TRACEPARENT.fullmatch(value) else ""


def current_traceparent() -> str:
    """The current span as a traceparent; "" when nothing records (tracing off)."""
    if not enabled():
        return ""
    carrier: dict[str, str] = {}
    _W3C.inject(carrier)
    return carrier.get("traceparent", "")


def span(name: str, *, kind: trace.SpanKind = trace.SpanKind.INTERNAL,
         attributes: Attributes = None) -> AbstractContextManager[trace.Span]:
    """A child of the current span (non-recording while tracing is off)."""
    return tracer().start_as_current_span(name, kind=kind, attributes=attributes)


def continued(name: str, traceparent: str, *, kind: trace.SpanKind = trace.SpanKind.INTERNAL,
              attributes: Attributes = None) -> AbstractContextManager[trace.Span]:
    """A span whose parent is the one ``traceparent`` names (a new trace when it is empty),
    whatever is current: work another process or an earlier task started, such as the
    relay delivering a publish's row or a replica reloading on its notice."""
    parent = _W3C.extract({"traceparent": traceparent}) if traceparent else Context()
    return tracer().start_as_current_span(name, context=parent, kind=kind,
                                          attributes=attributes)


def begin(name: str, *, attributes: Attributes = None) -> Callable[[], None]:
    """Start a span and make it current until the returned function is called (which also
    flushes, as a CLI is about to exit): for work whose start and end are not one block,
    such as an agentctl command, from opening its connection to closing it."""
    if not enabled():
        return _nothing
    started = tracer().start_span(name, attributes=attributes)
    token = attach(trace.set_span_in_context(started))

    def end() -> None:
        detach(token)
        started.end()
        flush()

    return end


def _nothing() -> None:
    return None
