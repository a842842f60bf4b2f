"""Entry point: ``runtime-service`` serves until SIGINT/SIGTERM, then drains."""

from __future__ import annotations

import asyncio
import logging

from agentconfig import logs
from agentconfig.grpc_server import Service, server_options, shutdown_event, start_server
from agentconfig.metrics import serve_metrics
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from runtime_service.bootstrap import RuntimeApp, bootstrap
from runtime_service.settings import RuntimeSettings

log = logging.getLogger("runtime_service")
SERVICE_NAME = "agentconfig.v1.RuntimeService"


def service(app: RuntimeApp) -> Service:
    return Service(SERVICE_NAME, app.servicer, rgrpc.add_RuntimeServiceServicer_to_server)


async def serve(settings: RuntimeSettings) -> None:
    stop = shutdown_event()
    serve_metrics(settings.metrics_listen)
    if not settings.auth_required:
        log.warning("authentication is OFF (AGENTCONFIG_RUNTIME_AUTH_REQUIRED=false): any "
                    "caller may read production and use the internal chat")
    app = bootstrap(settings)
    await app.start()
    running = await start_server(settings.listen, [service(app)],
                                 hooks=app.hooks, **server_options(settings))
    log.info("runtime %s listening on %s (port %d)", settings.replica_id, settings.listen,
             running.port)
    try:
        await stop.wait()
    finally:
        await running.stop(settings.shutdown_grace_seconds)
        await app.stop()


def main() -> None:
    settings = RuntimeSettings()
    logs.setup(settings.log_level)
    asyncio.run(serve(settings))


if __name__ == "__main__":
    main()
