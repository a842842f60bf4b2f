"""The runtime's one authentication interceptor: ``authorization: Bearer <key>``, verified
against the key cache, then the method rule of domain/access.py. The workspace and channel
rules are checked where each RPC names them (servicer)."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import grpc

from runtime_service.domain.access import Caller, check_method, current_caller
from runtime_service.service.keys import KeyCache

SERVICE = "/agentconfig.v1.RuntimeService/"


def bearer(metadata: Any) -> str | None:
    for key, value in metadata or ():
        if key == "authorization":
            text = value if isinstance(value, str) else value.decode()
            scheme, _, token = text.partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


class RuntimeAuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, keys: KeyCache, service_key: str = "", operator_key: str = "") -> None:
        self._keys = keys
        self._service_key = service_key
        self._operator_key = operator_key

    async def _caller(self, method: str, context: Any) -> Caller:
        token = bearer(context.invocation_metadata())
        if token and self._service_key and hmac.compare_digest(token, self._service_key):
            caller = Caller("runtime", None, "service")
        elif token and self._operator_key and hmac.compare_digest(token, self._operator_key):
            caller = Caller("operator", None, "admin")
        else:
            caller = await self._keys.caller(token)
        check_method(method, caller)
        current_caller.set(caller)
        return caller

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails],
                               Awaitable[grpc.RpcMethodHandler[Any, Any] | None]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        handler = await continuation(handler_call_details)
        full = handler_call_details.method
        if handler is None or not full.startswith(SERVICE):
            return handler
        method = full.removeprefix(SERVICE)
        if handler.unary_unary:
            unary: Any = handler.unary_unary

            async def guarded(request: Any, context: Any) -> Any:
                await self._caller(method, context)
                return await unary(request, context)

            return grpc.unary_unary_rpc_method_handler(
                guarded, request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer)
        stream: Any = handler.unary_stream

        async def guarded_stream(request: Any, context: Any) -> AsyncIterator[Any]:
            await self._caller(method, context)
            async for item in stream(request, context):
                yield item

        return grpc.unary_stream_rpc_method_handler(
            guarded_stream, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)
