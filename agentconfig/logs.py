"""Structured logs: one JSON object per line, safe whatever the message holds (quotes,
newlines, tracebacks), so log shippers can parse every line. A line written while a call is
handled carries its request id (the caller's ``x-request-id``, else one made up and sent
back), and a line written inside a recording span carries the trace and span ids, so an
operator can go from a log line to the call and to its trace."""

from __future__ import annotations

import itertools
import json
import logging
import os
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from opentelemetry import trace

# set by the call pipeline (agentconfig.interceptors) for the duration of each call
REQUEST_ID: ContextVar[str] = ContextVar("agentconfig_request_id", default="")
MAX_REQUEST_ID = 128
# made-up ids: this process's random prefix and a count, unique across a fleet and cheaper
# than random bytes per call (the runtime's hot path makes one per ResolveChannel)
_PREFIX = os.urandom(4).hex()
_COUNT = itertools.count(1)


def _new_prefix() -> None:
    global _PREFIX
    _PREFIX = os.urandom(4).hex()


os.register_at_fork(after_in_child=_new_prefix)  # a forked worker makes ids of its own


def request_id(metadata: Any) -> str:
    """The caller's ``x-request-id`` (a gateway's: its logs and ours then share one id), or
    a new one."""
    for key, value in metadata or ():
        if key == "x-request-id" and isinstance(value, str) \
                and 0 < len(value) <= MAX_REQUEST_ID:
            return value
    return f"{_PREFIX}{next(_COUNT):08x}"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"t": datetime.fromtimestamp(record.created, UTC).isoformat(),
                 "level": record.levelname, "logger": record.name,
                 "msg": record.getMessage()}
        request_id = REQUEST_ID.get()
        if request_id:
            entry["request_id"] = request_id
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = format(span.trace_id, "032x")
            entry["span_id"] = format(span.span_id, "016x")
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def setup(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    logging.basicConfig(level=level, handlers=[handler], force=True)
