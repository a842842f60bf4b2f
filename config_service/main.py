"""The config service: holds each workspace's Draft, publishes immutable versions, keeps
their history and moves Production (publish, rollback), over gRPC.

commands:
  serve    serve until SIGINT/SIGTERM, then drain (the default)
  migrate  bring the database schema up to date, then exit"""

from __future__ import annotations

import argparse
import asyncio
import logging

from agentconfig import logs, tracing
from agentconfig.entry_points import load_settings, parser, run_or_exit
from agentconfig.grpc_server import (
    Service,
    ensure_can_listen,
    server_options,
    shutdown_event,
    start_server,
)
from agentconfig.metrics import serve_metrics
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from config_service.adapters.sql.engine import make_engine, migrate
from config_service.bootstrap import ConfigApp, bootstrap
from config_service.settings import ConfigServiceSettings

log = logging.getLogger("config_service")
SERVICE_NAME = "agentconfig.v1.ConfigService"
LISTEN_SETTING = "AGENTCONFIG_LISTEN"


def service(app: ConfigApp) -> Service:
    return Service(SERVICE_NAME, app.servicer, cgrpc.add_ConfigServiceServicer_to_server)


async def serve(settings: ConfigServiceSettings) -> None:
    ensure_can_listen(settings.listen, LISTEN_SETTING)
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
                                 hooks=app.hooks, listen_setting=LISTEN_SETTING,
                                 **server_options(settings))
    log.info("config service listening on %s (port %d)", settings.listen, running.port)
    try:
        await stop.wait()
    finally:
        log.info("shutting down (grace %.1fs)", settings.shutdown_grace_seconds)
        await running.stop(settings.shutdown_grace_seconds)
        await app.stop()


async def run_migrations(settings: ConfigServiceSettings) -> None:
    engine = make_engine(settings.database_url, settings.database_options())
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    settings = load_settings(ConfigServiceSettings)
    logs.setup(settings.log_level)
    tracing.configure("config-service")  # when an OTLP endpoint is set (docs/operations.md)
    if args.command == "migrate":
        asyncio.run(run_migrations(settings))
    else:
        run_or_exit(lambda: asyncio.run(serve(settings)))


def _parser() -> argparse.ArgumentParser:
    made = parser("config-service", __doc__ or "",
                  [("settings (environment variables)", ConfigServiceSettings)])
    made.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"],
                      help="serve (the default) or migrate")
    return made


if __name__ == "__main__":
    main()
