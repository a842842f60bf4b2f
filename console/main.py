"""``agentconfig-console``: the web console as its own service (the real topology), and
``serve``, which the embedded mode awaits in its own event loop beside the gRPC servers."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import errno
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from importlib import metadata

import uvicorn

from console.app import create_app
from console.settings import ConsoleSettings


class _Server(uvicorn.Server):
    """Leaves signals to the process that runs it (the embedded mode has its own handler)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def split(listen: str) -> tuple[str, int]:
    host, _, port = listen.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def bind(listen: str, fallback: bool = False) -> tuple[socket.socket, bool]:
    """The listening socket; with ``fallback`` a busy port gives way to a free one (True
    then), so a second embedded instance, or a test's, still gets its console."""
    host, port = split(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto named: asyncio sets TCP_NODELAY only on sockets that say they are TCP, and
    # without it every answer waits out the client's delayed ACK (~40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        moved = False
    except OSError as exc:
        if not fallback or exc.errno != errno.EADDRINUSE:
            sock.close()
            raise OSError(f"{listen} is not free ({exc.strerror})") from None
        sock.bind((host, 0))
        moved = True
    sock.listen(128)
    sock.setblocking(False)
    return sock, moved


class Console:
    """A running console: its port (0 in the settings picks a free one) and ``stop``."""

    def __init__(self, settings: ConsoleSettings, fallback: bool = False) -> None:
        self._sock, self.moved = bind(settings.listen, fallback)
        config = uvicorn.Config(create_app(settings), log_level="warning", lifespan="on",
                                access_log=False)
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            if self._task.done():
                await self._task
                raise OSError("the console stopped while starting")
            await asyncio.sleep(0.02)

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self._sock.close()


async def serve(settings: ConsoleSettings) -> None:
    console = Console(settings)
    await console.start()
    print(f"agentconfig console on http://{split(settings.listen)[0]}:{console.port}/",
          flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await console.stop()


def _settings_help() -> str:
    lines = [f"  AGENTCONFIG_CONSOLE_{name.upper()} (default: {info.default!r})"
             for name, info in ConsoleSettings.model_fields.items()]
    return "settings (environment variables):\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    made = argparse.ArgumentParser(prog="agentconfig-console", description=__doc__,
                                   epilog=_settings_help(),
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    made.add_argument("--version", action="version",
                      version=f"agentconfig-console {metadata.version('agentconfig')}")
    made.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(serve(ConsoleSettings()))
    except OSError as exc:
        print(f"error: the console cannot start: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
