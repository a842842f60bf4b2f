"""Entry point: ``config-service serve`` (the default) or ``config-service migrate``."""

from __future__ import annotations

import asyncio
import logging
import sys

from agentconfig import logs
from agentconfig.grpc_server import Service, server_options, shutdown_event, start_server
from agentconfig.metrics import serve_metrics
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from config_service.adapters.sql.engine import make_engine, migrate
from config_service.bootstrap import ConfigApp, bootstrap
from config_service.settings import ConfigServiceSettings

log = logging.getLogger("config_service")
SERVICE_NAME = "agentconfig.v1.ConfigService"


def service(app: ConfigApp) -> Service:
    return Service(SERVICE_NAME, app.servicer, cgrpc.add_ConfigServiceServicer_to_server)


async def serve(settings: ConfigServiceSettings) -> None:
    stop = shutdown_event()
    serve_metrics(settings.metrics_listen)
    if not settings.auth_required:
        log.warning("authentication is OFF (AGENTCONFIG_AUTH_REQUIRED=false): every caller "
                    "is an anonymous admin; use this only for tests and experiments")
    elif not settings.operator_key:
        log.warning("no AGENTCONFIG_OPERATOR_KEY: nobody can create workspaces or their "
                    "first admin key")
    app = bootstrap(settings)
    await app.start()
    running = await start_server(settings.listen, [service(app)],
                                 hooks=app.hooks, **server_options(settings))
    log.info("config service listening on %s (port %d)", settings.listen, running.port)
    try:
        await stop.wait()
    finally:
        log.info("shutting down (grace %.1fs)", settings.shutdown_grace_seconds)
        await running.stop(settings.shutdown_grace_seconds)
        await app.stop()


async def run_migrations(settings: ConfigServiceSettings) -> None:
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def main() -> None:
    settings = ConfigServiceSettings()
    logs.setup(settings.log_level)
    command = sys.argv[1] if len(sys.argv) > 1 else "serve"
    if command == "migrate":
        asyncio.run(run_migrations(settings))
    elif command == "serve":
        asyncio.run(serve(settings))
    else:
        sys.exit(f"usage: config-service [serve|migrate]; unknown command {command!r}")


if __name__ == "__main__":
    main()
