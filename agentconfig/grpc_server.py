"""What every server of the project has, built one way: the one call pipeline (before-call
hooks such as authentication, error mapping, metrics, request ids, and spans when tracing is
on), standard health checking (per service and overall), server reflection (so grpcurl,
buf curl and Postman work), message-size limits and graceful shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import aio as health_aio
from grpc_reflection.v1alpha import reflection

from agentconfig import tracing
from agentconfig.errors import StartupError
from agentconfig.interceptors import BeforeCall, CallPipeline
from agentconfig.tls import server_credentials


class ServerSettings(Protocol):
    """The settings both services' servers are built from."""

    max_message_bytes: int
    max_concurrent_rpcs: int
    tls_cert_file: str
    tls_key_file: str
    tls_client_ca_file: str


def server_options(settings: ServerSettings) -> dict[str, Any]:
    """Limits and TLS for start_server, from either service's settings: every way of running
    (process, embedded mode, tests) configures its servers the same way."""
    return {"max_message_bytes": settings.max_message_bytes,
            "max_concurrent_rpcs": settings.max_concurrent_rpcs,
            "credentials": server_credentials(settings.tls_cert_file, settings.tls_key_file,
                                              settings.tls_client_ca_file)}


@dataclass(frozen=True)
class Service:
    name: str  # full proto name, e.g. "agentconfig.v1.ConfigService"
    servicer: Any
    add_to_server: Callable[[Any, grpc.aio.Server], None]


class _Registrations:
    """Stands in for the server while a generated add_*_to_server registers its handlers,
    so they can be wrapped by the call pipeline before the real server sees them."""

    def __init__(self) -> None:
        self.services: dict[str, dict[str, Any]] = {}

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        return None  # the registered handlers below carry the same methods

    def add_registered_method_handlers(self, service: str, handlers: dict[str, Any]) -> None:
        self.services[service] = dict(handlers)


@dataclass
class RunningServer:
    server: grpc.aio.Server
    port: int
    health: health_aio.HealthServicer
    services: tuple[str, ...]

    async def set_serving(self, serving: bool) -> None:
        status = (health_pb2.HealthCheckResponse.SERVING if serving
                  else health_pb2.HealthCheckResponse.NOT_SERVING)
        for name in ("", *self.services):
            await self.health.set(name, status)

    async def stop(self, grace: float) -> None:
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)
        tracing.flush()  # the last calls' spans leave before the process does


def _in_use(listen: str, setting: str) -> StartupError:
    change = "pass" if setting.startswith("--") else "set"
    return StartupError(
        f"cannot listen on {listen}: the port is already in use (another agentconfig "
        f"process is probably running; stop it or {change} {setting})")


def ensure_can_listen(listen: str, setting: str = "another listen address") -> None:
    """Raise StartupError if another process holds ``listen``'s port: called before a server
    starts anything, so a second start says so in one line. ``setting`` names what the
    operator can change (e.g. "AGENTCONFIG_LISTEN")."""
    host, _, port = listen.rpartition(":")
    if not port.isdigit() or int(port) == 0:
        return
    try:
        addresses = socket.getaddrinfo(host.strip("[]") or None, int(port),
                                       type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError:
        return  # an unresolvable host: gRPC's own bind reports it
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise _in_use(listen, setting) from None


async def start_server(listen: str, services: Sequence[Service], *,
                       max_message_bytes: int = 4 * 1024 * 1024,
                       hooks: Sequence[BeforeCall] = (),
                       credentials: grpc.ServerCredentials | None = None,
                       max_concurrent_rpcs: int | None = None,
                       listen_setting: str = "another listen address",
                       reuse_port: bool = False) -> RunningServer:
    """Start serving on ``listen`` ("host:port"; port 0 picks a free one). Beyond
    ``max_concurrent_rpcs`` calls in flight, new ones get RESOURCE_EXHAUSTED at once rather
    than waiting in an unbounded queue. A port that cannot be bound raises StartupError
    (``listen_setting`` names what the operator can change). ``reuse_port``: share the port
    with sibling processes (SO_REUSEPORT); whoever starts them checks the port is free."""
    if not reuse_port:
        ensure_can_listen(listen, listen_setting)
    server = grpc.aio.server(
        maximum_concurrent_rpcs=max_concurrent_rpcs,
        options=[("grpc.max_receive_message_length", max_message_bytes),
                 ("grpc.max_send_message_length", max_message_bytes),
                 ("grpc.so_reuseport", int(reuse_port)),
                 # clients (agentconfig.client) ping idle connections every 30 s; allow
                 # that (the default refuses pings more often than every 5 minutes)
                 ("grpc.keepalive_permit_without_calls", 1),
                 ("grpc.http2.min_ping_interval_without_data_ms", 10_000)])
    pipeline = CallPipeline(hooks)
    for service in services:
        captured = _Registrations()
        service.add_to_server(service.servicer, captured)  # type: ignore[arg-type]
        for name, handlers in captured.services.items():
            wrapped = pipeline.wrap_service(name, handlers)
            server.add_generic_rpc_handlers(
                (grpc.method_handlers_generic_handler(name, wrapped),))
            server.add_registered_method_handlers(name, wrapped)
    health = health_aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health, server)
    names = tuple(s.name for s in services)
    reflection.enable_server_reflection(
        (*names, health_pb2.DESCRIPTOR.services_by_name["Health"].full_name,
         reflection.SERVICE_NAME), server)
    try:
        port = (server.add_secure_port(listen, credentials) if credentials
                else server.add_insecure_port(listen))
    except RuntimeError:  # gRPC says only "Failed to bind"; the probe above names the cause
        if not reuse_port:
            ensure_can_listen(listen, listen_setting)
        raise StartupError(f"cannot listen on {listen} (is the address one of this "
                           f"host's? set {listen_setting})") from None
    await server.start()
    running = RunningServer(server, port, health, names)
    await running.set_serving(True)
    return running


def shutdown_event() -> asyncio.Event:
    """Set on SIGINT or SIGTERM: the graceful-shutdown trigger of every entry point. Call
    it before announcing readiness, so a signal that follows the announcement is never
    handled by Python's default (a traceback instead of a clean stop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    return stop
