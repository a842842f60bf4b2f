"""One way to run something before every call of a service (authenticate, record the peer):
an interceptor that wraps unary and server-streaming handlers around ``before``. Both
services' access checks are built on it."""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

Continuation = Callable[[grpc.HandlerCallDetails], Awaitable[Any]]


def bearer(metadata: Any) -> str | None:
    """The token of an ``authorization: Bearer <token>`` header, if there is one."""
    for key, value in metadata or ():
        if key == "authorization":
            text = value if isinstance(value, str) else value.decode()
            scheme, _, token = text.partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class BeforeCallInterceptor(grpc.aio.ServerInterceptor, abc.ABC):
    """Calls ``before(method, context)`` ahead of each call to methods under ``prefix``;
    whatever it raises ends the call (the error-mapping interceptor turns it into a
    status)."""

    prefix = "/"

    @abc.abstractmethod
    async def before(self, method: str, context: Any) -> None: ...

    async def intercept_service(self, continuation: Continuation,
                                handler_call_details: grpc.HandlerCallDetails,
                                ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler: grpc.RpcMethodHandler[Any, Any] | None = await continuation(
            handler_call_details)
        full = handler_call_details.method
        if handler is None or not full.startswith(self.prefix):
            return handler
        method = full.removeprefix(self.prefix)
        if handler.unary_unary:
            unary: Any = handler.unary_unary

            async def guarded(request: Any, context: Any) -> Any:
                await self.before(method, context)
                return await unary(request, context)

            return grpc.unary_unary_rpc_method_handler(
                guarded, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        if handler.unary_stream:
            stream: Any = handler.unary_stream

            async def guarded_stream(request: Any, context: Any) -> AsyncIterator[Any]:
                await self.before(method, context)
                async for item in stream(request, context):
                    yield item

            return grpc.unary_stream_rpc_method_handler(
                guarded_stream, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        return handler
