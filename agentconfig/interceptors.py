"""The call pipeline of both services. Every method's handler is wrapped once, when the
service is registered, so that each call does in order: take or make its request id (sent
back as ``x-request-id`` trailing metadata, and on every log line of the call), refuse an
unparseable body, run the service's before-call hooks (authentication), call the servicer,
map any error to a status (agentconfig.rpc_status), and count the outcome
(agentconfig.metrics, go-grpc-prometheus's names). With tracing on, a SERVER span encloses
it all (agentconfig.tracing); with tracing off there is no span code on the path at all.

Wrapping at registration rather than with grpc.aio server interceptors matters on the
runtime's hot path: an interceptor is consulted (a coroutine, a continuation) on every call,
and every stacked layer adds another."""

from __future__ import annotations

import abc
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc

from agentconfig import errors, tracing
from agentconfig.logs import REQUEST_ID, request_id
from agentconfig.metrics import GRPC_CODES, RPC_SECONDS, RPCS, RPCS_STARTED
from agentconfig.rpc_status import (
    MalformedRequest,
    abort_for,
    code_for,
    is_abort,
    malformed_request,
    safe_deserializer,
)


def bearer(metadata: Any) -> str | None:
    """The token of an ``authorization: Bearer <token>`` header, if there is one."""
    for key, value in metadata or ():
        if key == "authorization":
            text = value if isinstance(value, str) else value.decode()
            scheme, _, token = text.partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class BeforeCall(abc.ABC):
    """Runs ahead of each call to the methods under ``prefix`` (e.g. authentication);
    whatever it raises ends the call and is mapped to a status like any other error."""

    prefix = "/"

    @abc.abstractmethod
    async def before(self, method: str, context: Any) -> None:
        """``method`` is the name after the prefix, e.g. "PublishDraft"."""


def _outcome(exc: BaseException, context: Any) -> str:
    if isinstance(exc, errors.AgentConfigError):
        return code_for(exc).name
    if is_abort(exc):
        code = context.code() if hasattr(context, "code") else None
        return code.name if isinstance(code, grpc.StatusCode) else "UNKNOWN"
    return "INTERNAL" if isinstance(exc, Exception) else "CANCELLED"


def _labels(method: str, grpc_type: str) -> tuple[str, str, str]:
    service, _, name = method.lstrip("/").partition("/")
    return grpc_type, service, name


class CallPipeline:
    def __init__(self, hooks: Sequence[BeforeCall] = ()) -> None:
        self._hooks = tuple(hooks)

    def wrap_service(self, service: str, handlers: dict[str, Any]) -> dict[str, Any]:
        return {name: self.wrap(handler, f"/{service}/{name}")
                for name, handler in handlers.items()}

    def wrap(self, handler: Any, method: str) -> Any:
        """``method`` is the full name, "/package.Service/Method"."""
        hooks = [(h, method.removeprefix(h.prefix)) for h in self._hooks
                 if method.startswith(h.prefix)]
        labels = _labels(method, "unary" if handler.unary_unary else "server_stream")
        started_count, seconds = RPCS_STARTED.labels(*labels), RPC_SECONDS.labels(*labels)
        ok = RPCS.labels(*labels, "OK")
        deserialize = safe_deserializer(handler.request_deserializer)

        async def failed(exc: BaseException, context: Any) -> None:
            RPCS.labels(*labels, GRPC_CODES[_outcome(exc, context)]).inc()
            if is_abort(exc) or not isinstance(exc, Exception):
                raise exc
            await abort_for(exc, context, method)

        if handler.unary_unary:
            unary = handler.unary_unary

            async def call(request: Any, context: Any) -> Any:
                started = time.perf_counter()
                started_count.inc()
                rid = request_id(context.invocation_metadata())
                context.set_trailing_metadata((("x-request-id", rid),))
                token = REQUEST_ID.set(rid)
                try:  # inline rather than a helper coroutine: this is the hot path
                    if isinstance(request, MalformedRequest):
                        raise malformed_request(method, request)
                    for hook, short in hooks:
                        await hook.before(short, context)
                    response = await unary(request, context)
                except BaseException as exc:
                    await failed(exc, context)
                    raise
                finally:
                    seconds.observe(time.perf_counter() - started)
                    REQUEST_ID.reset(token)
                ok.inc()
                return response

            return grpc.unary_unary_rpc_method_handler(
                tracing.server_unary(call, method) if tracing.enabled() else call,
                request_deserializer=deserialize,
                response_serializer=handler.response_serializer)
        if handler.unary_stream:
            stream = handler.unary_stream

            async def call_stream(request: Any, context: Any) -> AsyncIterator[Any]:
                started = time.perf_counter()
                started_count.inc()
                rid = request_id(context.invocation_metadata())
                context.set_trailing_metadata((("x-request-id", rid),))
                REQUEST_ID.set(rid)  # the call's own task: nothing to reset
                try:
                    if isinstance(request, MalformedRequest):
                        raise malformed_request(method, request)
                    for hook, short in hooks:
                        await hook.before(short, context)
                    async for item in stream(request, context):
                        yield item
                except BaseException as exc:
                    await failed(exc, context)
                    raise
                finally:
                    seconds.observe(time.perf_counter() - started)
                ok.inc()

            return grpc.unary_stream_rpc_method_handler(
                tracing.server_stream(call_stream, method) if tracing.enabled()
                else call_stream, request_deserializer=deserialize,
                response_serializer=handler.response_serializer)
        return handler
