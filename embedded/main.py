"""``agentconfig-dev``: the whole system in one process for a first try and for development.

The config service runs on a SQLite file under the data directory, the runtime on the same
process's in-process bus; both listen on their usual ports. Ctrl-C stops both cleanly.
./scripts/run.sh runs it (extra arguments are passed on).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
from pathlib import Path

import grpc
from pydantic_settings import BaseSettings

from agentconfig import tracing
from agentconfig.bus import InProcessBus
from agentconfig.entry_points import parser, run_or_exit
from agentconfig.grpc_server import (
    ensure_can_listen,
    server_options,
    shutdown_event,
    start_server,
)
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from config_service.bootstrap import bootstrap as bootstrap_config
from config_service.main import service as config_service
from config_service.settings import ConfigServiceSettings
from console.settings import ConsoleSettings
from embedded import demo
from embedded.console import Console, console_line
from embedded.serving import LoadOnPublish, reported
from runtime_service.bootstrap import bootstrap as bootstrap_runtime
from runtime_service.main import service as runtime_service
from runtime_service.settings import RuntimeSettings

log = logging.getLogger("embedded")
# The one replica reads the production pointer from memory, so its reconcile (which also
# drives its first rollout report after a start) costs nothing and can run this often.
REPORT_SECONDS = 0.5

NEXT_STEPS = """
agentconfig is running (embedded mode: SQLite at {db}, in-process notifications,
API keys required).
  config service   {config}
  runtime service  {runtime}
  web console      {console}
  demo workspace   "demo" ({state})
  operator key     {key_line}

Try, in another terminal:
  export AGENTCTL_KEY="$(cat {key_file})"
  .venv/bin/agentctl -w demo status
  .venv/bin/agentctl -w demo get agents
  .venv/bin/agentctl -w demo chat front-desk --message "I want a refund"
  .venv/bin/agentctl -w demo apply -f examples/  && .venv/bin/agentctl -w demo diff

Ctrl-C stops both services.
"""


def _secret(path: Path) -> tuple[str, bool]:
    """The key kept in ``path`` (mode 0600), made on first start; True when just made."""
    if path.exists():
        return path.read_text().strip(), False
    value = secrets.token_urlsafe(32)
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value, True


SETTINGS: list[tuple[str, type[BaseSettings]]] = [
    ("config service settings (environment variables; the embedded mode sets the database,\n"
     "Redis, listen address and keys itself)", ConfigServiceSettings),
    ("runtime service settings (environment variables; the embedded mode sets the config\n"
     "service, Redis, database, data directory, listen address and keys itself)",
     RuntimeSettings)]


async def run(data_dir: Path, config_listen: str, runtime_listen: str,
              console_listen: str = "127.0.0.1:8080") -> None:
    ensure_can_listen(config_listen, "--config-listen")
    ensure_can_listen(runtime_listen, "--runtime-listen")
    stop = shutdown_event()
    operator_key, first_start = _secret(data_dir / "operator.key")
    service_key, _ = _secret(data_dir / "service.key")
    bus = InProcessBus()
    db = data_dir / "agentconfig.db"
    config_app = bootstrap_config(ConfigServiceSettings(
        database_url=f"sqlite+aiosqlite:///{db}", redis_url="", redis_sentinels="",
        listen=config_listen, relay_interval_seconds=0.5, operator_key=operator_key,
        service_key=service_key),
        bus=bus)
    await config_app.start()
    config_server = await start_server(config_listen, [config_service(config_app)],
                                       hooks=config_app.hooks, listen_setting="--config-listen",
                                       **server_options(config_app.settings))
    config_address = f"127.0.0.1:{config_server.port}"
    runtime_app = bootstrap_runtime(RuntimeSettings(
        listen=runtime_listen, config_service=config_address, redis_url="", redis_sentinels="",
        data_dir=str(data_dir / "runtime"), replica_id="embedded",
        database_url=f"sqlite+aiosqlite:///{data_dir / 'runtime.db'}",
        reconcile_seconds=REPORT_SECONDS, report_seconds=REPORT_SECONDS,
        service_key=service_key, operator_key=operator_key), bus=bus)
    await runtime_app.start()
    loading = LoadOnPublish(bus, runtime_app.loader)
    loading.start()
    runtime_server = await start_server(runtime_listen, [runtime_service(runtime_app)],
                                        hooks=runtime_app.hooks,
                                        listen_setting="--runtime-listen",
                                        **server_options(runtime_app.settings))
    console = Console(ConsoleSettings(
        listen=console_listen, config_service=config_address,
        runtime_service=f"127.0.0.1:{runtime_server.port}"), fallback=True,
    ) if console_listen else None
    try:
        if console is not None:
            await console.start()
        async with grpc.aio.insecure_channel(config_address) as channel:
            created = await demo.seed(cgrpc.ConfigServiceStub(channel), operator_key)
        try:
            async with asyncio.timeout(5 * REPORT_SECONDS):
                await reported(bus, runtime_app.loader, "embedded")
        except TimeoutError:
            log.warning("the runtime has not reported every workspace it serves yet")
        key_file = data_dir / "operator.key"
        key_line = (f"{operator_key}  (every workspace; kept in {key_file})"
                    if first_start else f"in {key_file}")
        print(NEXT_STEPS.format(db=db, config=config_address,
                                runtime=f"127.0.0.1:{runtime_server.port}",
                                console=console_line(console_listen, console),
                                state="seeded now" if created else "already there",
                                key_line=key_line, key_file=key_file), flush=True)
        await stop.wait()
    finally:
        print("stopping ...", flush=True)
        if console is not None:
            await console.stop()
        await loading.stop()
        await runtime_server.stop(2)
        await config_server.stop(2)
        await runtime_app.stop()
        await config_app.stop()


def _parser() -> argparse.ArgumentParser:
    made = parser("agentconfig-dev", __doc__ or "", SETTINGS)
    made.add_argument("--data-dir", default=".data", type=Path,
                      help="where the SQLite files, keys and disk copies live (default: .data)")
    made.add_argument("--config-listen", default="127.0.0.1:50051", metavar="HOST:PORT",
                      help="the config service's address (default: 127.0.0.1:50051)")
    made.add_argument("--runtime-listen", default="127.0.0.1:50052", metavar="HOST:PORT",
                      help="the runtime service's address (default: 127.0.0.1:50052)")
    made.add_argument("--console-listen", default="127.0.0.1:8080", metavar="HOST:PORT",
                      help="the web console's address (default: 127.0.0.1:8080; empty: off)")
    return made


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    tracing.configure("agentconfig-dev")  # when an OTLP endpoint is set (docs/operations.md)
    args.data_dir.mkdir(parents=True, exist_ok=True)
    run_or_exit(lambda: asyncio.run(run(args.data_dir, args.config_listen,
                                        args.runtime_listen, args.console_listen)))


if __name__ == "__main__":
    main()
