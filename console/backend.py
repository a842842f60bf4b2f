"""The two services the console talks to: one asyncio channel each (opened when the app
starts, in its event loop), the generated stubs, and the one ``call`` every page uses, which
sends the signed-in person's key and turns a failure into a ConsoleError."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import grpc
from google.protobuf.message import Message

from agentconfig.client.options import ClientOptions, channel_options
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from console.errors import from_rpc
from console.settings import ConsoleSettings

Resp = TypeVar("Resp", bound=Message)
TIMEOUT_SECONDS = 15.0
# the SDK's channel options: keepalive, reads retried on UNAVAILABLE (writes never), reconnect
# backoff up to 1 s, 64 MiB messages; reads keep the console's own deadline, not the SDK's 5 s
OPTIONS = channel_options(ClientOptions(read_timeout_seconds=TIMEOUT_SECONDS))


def _read(path: str) -> bytes | None:
    return Path(path).read_bytes() if path else None


def _open(address: str, settings: ConsoleSettings) -> grpc.aio.Channel:
    if not settings.tls_ca_file:
        return grpc.aio.insecure_channel(address, options=OPTIONS)
    credentials = grpc.ssl_channel_credentials(
        _read(settings.tls_ca_file), _read(settings.tls_key_file),
        _read(settings.tls_cert_file))
    return grpc.aio.secure_channel(address, credentials, options=OPTIONS)


class Backend:
    def __init__(self, settings: ConsoleSettings) -> None:
        self.settings = settings
        self._channels: list[grpc.aio.Channel] = []
        self._config: cgrpc.ConfigServiceAsyncStub | None = None
        self._runtime: rgrpc.RuntimeServiceAsyncStub | None = None

    async def start(self) -> None:
        config = _open(self.settings.config_service, self.settings)
        runtime = _open(self.settings.runtime_service, self.settings)
        self._channels = [config, runtime]
        self._config = cgrpc.ConfigServiceStub(config)
        self._runtime = rgrpc.RuntimeServiceStub(runtime)

    async def stop(self) -> None:
        for channel in self._channels:
            await channel.close()

    @property
    def config(self) -> cgrpc.ConfigServiceAsyncStub:
        assert self._config is not None, "Backend.start() was not awaited"
        return self._config

    @property
    def runtime(self) -> rgrpc.RuntimeServiceAsyncStub:
        assert self._runtime is not None, "Backend.start() was not awaited"
        return self._runtime

    async def call(self, method: Any, request: Message, key: str,
                   service: str = "config service") -> Any:
        """``method`` is a stub's bound method; the answer is its response message."""
        metadata = (("authorization", f"Bearer {key}"),)
        try:
            return await method(request, metadata=metadata, timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            raise from_rpc(exc, service) from None
