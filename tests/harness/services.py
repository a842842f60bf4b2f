"""Run the real services (servicers, interceptors, health, reflection) on port 0 and talk
to them through real channels and generated stubs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc

from agentconfig.grpc_server import RunningServer, server_options, start_server
from agentconfig.tls import channel_credentials
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from config_service.bootstrap import ConfigApp, bootstrap
from config_service.main import service
from config_service.settings import ConfigServiceSettings
from runtime_service.bootstrap import RuntimeApp
from runtime_service.bootstrap import bootstrap as bootstrap_runtime
from runtime_service.main import service as runtime_service
from runtime_service.settings import RuntimeSettings


def _channel(port: int, overrides: dict[str, Any]) -> grpc.aio.Channel:
    """Plaintext, or TLS when the test configured a server certificate: then the test
    passes ``client_tls=(ca, cert, key)`` for the harness's own client."""
    client_tls = overrides.get("client_tls")
    if overrides.get("tls_cert_file") and client_tls:
        creds = channel_credentials(*client_tls)
        assert creds is not None
        return grpc.aio.secure_channel(f"localhost:{port}", creds)
    return grpc.aio.insecure_channel(f"127.0.0.1:{port}")


@dataclass
class ConfigHandle:
    app: ConfigApp
    server: RunningServer
    channel: grpc.aio.Channel
    stub: cgrpc.ConfigServiceAsyncStub

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.server.port}"

    async def stop(self) -> None:
        await self.channel.close()
        await self.server.stop(0.5)
        await self.app.stop()


async def start_config_service(database_url: str, redis_url: str = "", *,
                               migrate: bool = True, **overrides: Any) -> ConfigHandle:
    """Authentication is off unless asked for (auth_required=True, operator_key=...): most
    tests are about something else; tests/e2e/test_access*.py are about it."""
    values: dict[str, Any] = {"auth_required": False} | overrides
    values.pop("client_tls", None)
    settings = ConfigServiceSettings(database_url=database_url, redis_url=redis_url,
                                     listen="127.0.0.1:0", relay_interval_seconds=0.2,
                                     migrate_on_start=migrate, **values)
    app = bootstrap(settings)
    await app.start()
    server = await start_server(settings.listen, [service(app)],
                                hooks=app.hooks, **server_options(settings))
    channel = _channel(server.port, overrides)
    return ConfigHandle(app, server, channel, cgrpc.ConfigServiceStub(channel))


@dataclass
class RuntimeHandle:
    app: RuntimeApp
    server: RunningServer
    channel: grpc.aio.Channel
    stub: rgrpc.RuntimeServiceAsyncStub

    async def stop(self) -> None:
        await self.channel.close()
        await self.server.stop(0.2)
        await self.app.stop()


async def start_runtime_service(config_address: str, redis_url: str, data_dir: str, *,
                                database_url: str = "", **overrides: Any) -> RuntimeHandle:
    values: dict[str, Any] = {"reconcile_seconds": 0.3, "report_seconds": 0.5,
                              "auth_required": False} | overrides
    values.pop("client_tls", None)
    settings = RuntimeSettings(listen="127.0.0.1:0", config_service=config_address,
                               redis_url=redis_url, data_dir=data_dir,
                               database_url=database_url, **values)
    app = bootstrap_runtime(settings)
    await app.start()
    server = await start_server(settings.listen, [runtime_service(app)],
                                hooks=app.hooks, **server_options(settings))
    channel = _channel(server.port, overrides)
    return RuntimeHandle(app, server, channel, rgrpc.RuntimeServiceStub(channel))
