"""The runtime service: a replica that serves each workspace's Production snapshot from
memory (resolve, the internal chat, test runs), loading a workspace on first use and keeping
a last-known-good copy on disk. Serves until SIGINT/SIGTERM, then drains. With
AGENTCONFIG_RUNTIME_WORKERS other than 1 it supervises that many such processes on the one
port instead (runtime_service/workers.py)."""

from __future__ import annotations

import asyncio
import logging
import sys

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
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from runtime_service.bootstrap import RuntimeApp, bootstrap
from runtime_service.settings import RuntimeSettings
from runtime_service.workers import supervise, worker_count

log = logging.getLogger("runtime_service")
SERVICE_NAME = "agentconfig.v1.RuntimeService"
LISTEN_SETTING = "AGENTCONFIG_RUNTIME_LISTEN"


def service(app: RuntimeApp) -> Service:
    return Service(SERVICE_NAME, app.servicer, rgrpc.add_RuntimeServiceServicer_to_server)


async def serve(settings: RuntimeSettings) -> None:
    worker = settings.worker_index > 0  # its siblings hold the port: no probe, SO_REUSEPORT
    if not worker:
        ensure_can_listen(settings.listen, LISTEN_SETTING)
    stop = shutdown_event()
    serve_metrics(settings.metrics_listen)
    if not settings.auth_required:
        log.warning("authentication is OFF (AGENTCONFIG_RUNTIME_AUTH_REQUIRED=false): any "
                    "caller may read production and use the internal chat")
    app = bootstrap(settings)
    await app.start()
    running = await start_server(settings.listen, [service(app)],
                                 hooks=app.hooks, listen_setting=LISTEN_SETTING,
                                 reuse_port=worker, **server_options(settings))
    log.info("runtime %s listening on %s (port %d)", settings.replica_id, settings.listen,
             running.port)
    try:
        await stop.wait()
    finally:
        await running.stop(settings.shutdown_grace_seconds)
        await app.stop()


def main(argv: list[str] | None = None) -> None:
    parser("runtime-service", __doc__ or "",
           [("settings (environment variables)", RuntimeSettings)]).parse_args(argv)
    settings = load_settings(RuntimeSettings)
    logs.setup(settings.log_level)
    tracing.configure("runtime-service")  # when an OTLP endpoint is set (operations.md)
    count = worker_count(settings)
    if count > 1 and settings.worker_index == 0:
        sys.exit(run_or_exit(lambda: supervise(settings, count)))
    run_or_exit(lambda: asyncio.run(serve(settings)))


if __name__ == "__main__":
    main()
