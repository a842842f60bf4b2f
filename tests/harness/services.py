"""Run the real config service (servicer, interceptors, health, reflection) on port 0 and
talk to it through a real channel and generated stub."""

from __future__ import annotations

from dataclasses import dataclass

import grpc

from agentconfig.grpc_server import RunningServer, start_server
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from config_service.bootstrap import ConfigApp, bootstrap
from config_service.main import service
from config_service.settings import ConfigServiceSettings


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
                               migrate: bool = True) -> ConfigHandle:
    settings = ConfigServiceSettings(database_url=database_url, redis_url=redis_url,
                                     listen="127.0.0.1:0", relay_interval_seconds=0.2,
                                     migrate_on_start=migrate)
    app = bootstrap(settings)
    await app.start()
    server = await start_server(settings.listen, [service(app)])
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
    return ConfigHandle(app, server, channel, cgrpc.ConfigServiceStub(channel))
