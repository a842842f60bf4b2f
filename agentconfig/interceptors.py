"""The call pipeline of both services. Every method's handler is wrapped once, when the
service is registered, so that each call does in order: refuse an unparseable body, run the
service's before-call hooks (authentication), call the servicer, map any error to a status
(agentconfig.rpc_status), and count the outcome (agentconfig.metrics).

Wrapping at registration rather than with grpc.aio server interceptors matters on the
runtime's hot path: an interceptor is consulted (a coroutine, a continuation) on every call,
and every stacked layer adds another."""

from __future__ import annotations

import abc
import time
from collections.abc import AsyncIterator, Sequence
from typing import Any

import grpc

from agentconfig import errors
from agentconfig.metrics import RPC_SECONDS, RPCS
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
        name = method.rsplit("/", 1)[-1]
        ok, seconds = RPCS.labels(name, "OK"), RPC_SECONDS.labels(name)
        deserialize = safe_deserializer(handler.request_deserializer)

        async def failed(exc: BaseException, context: Any) -> None:
            RPCS.labels(name, _outcome(exc, context)).inc()
            if is_abort(exc) or not isinstance(exc, Exception):
                raise exc
            await abort_for(exc, context, method)

        if handler.unary_unary:
            unary = handler.unary_unary

            async def call(request: Any, context: Any) -> Any:
                started = time.perf_counter()
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
                ok.inc()
                return response

            return grpc.unary_unary_rpc_method_handler(
                call, request_deserializer=deserialize,
                response_serializer=handler.response_serializer)
        if handler.unary_stream:
            stream = handler.unary_stream

            async def call_stream(request: Any, context: Any) -> AsyncIterator[Any]:
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
                ok.inc()

            return grpc.unary_stream_rpc_method_handler(
                call_stream, request_deserializer=deserialize,
                response_serializer=handler.response_serializer)
        return handler
