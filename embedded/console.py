"""The web console in the embedded mode: the same process and event loop as the two gRPC
servers. Its default port may be taken (a second instance, a test's); it then listens on a
free port and the banner says so, rather than failing the whole system over a web page."""

from __future__ import annotations

from console.main import Console

__all__ = ["Console", "console_line"]


def console_line(listen: str, console: Console | None) -> str:
    if console is None:
        return "off (--console-listen '')"
    host = listen.rpartition(":")[0].strip("[]") or "127.0.0.1"
    url = f"http://{host}:{console.port}/"
    return f"{url}  ({listen} was taken)" if console.moved else url
