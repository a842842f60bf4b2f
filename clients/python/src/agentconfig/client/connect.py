"""Open a channel to either service, sync or async, with the options of ``options.py``,
TLS when a CA is given (mTLS with a client certificate) and the bearer key on every call.

The key travels as call credentials over TLS (gRPC's own way: it is never sent in clear);
over plaintext, which gRPC refuses call credentials on, an interceptor adds the same
``authorization`` header, for local development only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import grpc.aio

from agentconfig.client.options import DEFAULTS, ClientOptions, channel_options

Metadata = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Tls:
    """Files in PEM: the CA that signed the servers' certificates, and optionally a client
    certificate and key (mTLS)."""

    ca_file: str
    cert_file: str = ""
    key_file: str = ""

    def credentials(self) -> grpc.ChannelCredentials:
        def read(path: str) -> bytes | None:
            return Path(path).expanduser().read_bytes() if path else None
        return grpc.ssl_channel_credentials(read(self.ca_file), read(self.key_file),
                                            read(self.cert_file))


def _metadata(key: str, user: str) -> Metadata:
    out = [("authorization", f"Bearer {key}")] if key else []
    if user:
        out.append(("x-agentconfig-user", user))
    return tuple(out)


class _SyncHeaders(grpc.UnaryUnaryClientInterceptor,
                   grpc.UnaryStreamClientInterceptor,
                   grpc.StreamUnaryClientInterceptor,
                   grpc.StreamStreamClientInterceptor):
    def __init__(self, extra: Metadata) -> None:
        self._extra = extra

    def _details(self, details: Any) -> Any:
        return details._replace(metadata=tuple(details.metadata or ()) + self._extra)

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation: Any, details: Any, requests: Any) -> Any:
        return continuation(self._details(details), requests)


def _aio_details(details: Any, extra: Metadata) -> Any:
    metadata = grpc.aio.Metadata(*(tuple(details.metadata or ()) + extra))
    return details._replace(metadata=metadata)


class _AioUnary(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, extra: Metadata) -> None:
        self._extra = extra

    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any,
                                    ) -> Any:
        return await continuation(_aio_details(details, self._extra), request)


class _AioStream(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, extra: Metadata) -> None:
        self._extra = extra

    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any,
                                     ) -> Any:
        return await continuation(_aio_details(details, self._extra), request)


def _secure(tls: Tls, key: str, user: str) -> grpc.ChannelCredentials:
    creds = tls.credentials()
    if key:
        creds = grpc.composite_channel_credentials(
            creds, grpc.metadata_call_credentials(_CallKey(_metadata(key, user))))
    return creds


class _CallKey(grpc.AuthMetadataPlugin):
    def __init__(self, metadata: Metadata) -> None:
        self._metadata = metadata

    def __call__(self, context: grpc.AuthMetadataContext,
                 callback: grpc.AuthMetadataPluginCallback) -> None:
        callback(self._metadata, None)


def connect(target: str, *, key: str = "", user: str = "", tls: Tls | None = None,
            options: ClientOptions = DEFAULTS) -> grpc.Channel:
    """A synchronous channel to ``target`` ("host:port"); use it with the generated
    ``*Stub`` classes. Close it when done (or use it as a context manager)."""
    args: Sequence[tuple[str, Any]] = channel_options(options)
    if tls is not None:
        return grpc.secure_channel(target, _secure(tls, key, user), options=args)
    channel = grpc.insecure_channel(target, options=args)
    extra = _metadata(key, user)
    return grpc.intercept_channel(channel, _SyncHeaders(extra)) if extra else channel


def aconnect(target: str, *, key: str = "", user: str = "", tls: Tls | None = None,
             options: ClientOptions = DEFAULTS) -> grpc.aio.Channel:
    """The asyncio flavour of ``connect``: create it inside the loop that will use it."""
    args: Sequence[tuple[str, Any]] = channel_options(options)
    if tls is not None:
        return grpc.aio.secure_channel(target, _secure(tls, key, user), options=args)
    extra = _metadata(key, user)
    interceptors: list[Any] = [_AioUnary(extra), _AioStream(extra)] if extra else []
    return grpc.aio.insecure_channel(target, options=args, interceptors=interceptors)
