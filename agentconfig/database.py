"""Postgres connection options both services take from their settings: pool size,
timeouts and TLS. (The URL's own form covers the rest: several hosts,
``?host=a:5432&host=b:5432&target_session_attrs=read-write``, are tried in order by the
driver, so a failover that moves the primary is followed at the next connection.)

A caller must never wait forever on a store that is down or hung: connections are opened
with a connect timeout and every statement runs under a command timeout; ``?timeout=`` and
``?command_timeout=`` in the URL still override the settings."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

from sqlalchemy import make_url

TLS_MODES = ("disable", "prefer", "require", "verify-ca", "verify-full")


@dataclass(frozen=True)
class DatabaseOptions:
    pool_size: int = 10
    max_overflow: int = 10
    pool_timeout: float = 10.0  # seconds to wait for a pooled connection when all are busy
    connect_timeout: float = 5.0
    command_timeout: float = 15.0
    tls_mode: str = ""  # "": the driver's default (or the URL's ?ssl=)
    tls_ca_file: str = ""
    tls_cert_file: str = ""  # a client certificate, when the server asks for one
    tls_key_file: str = ""

    def __post_init__(self) -> None:
        if self.tls_mode and self.tls_mode not in TLS_MODES:
            raise ValueError(f"database TLS mode {self.tls_mode!r}: one of {TLS_MODES}")
        if self.pool_size < 1 or self.max_overflow < 0:
            raise ValueError("database pool size must be at least 1, overflow at least 0")


def connect_args(url: str, options: DatabaseOptions) -> dict[str, Any]:
    """asyncpg's connect arguments for ``url`` (nothing for other drivers)."""
    parsed = make_url(url)
    if parsed.get_driver_name() != "asyncpg":
        return {}
    given = {k: v for k, v in parsed.query.items() if isinstance(v, str)}
    out: dict[str, Any] = {
        "timeout": float(given.get("timeout", options.connect_timeout)),
        "command_timeout": float(given.get("command_timeout", options.command_timeout))}
    tls = _tls(options)
    if tls is not None:
        out["ssl"] = tls
    return out


def _tls(options: DatabaseOptions) -> ssl.SSLContext | str | None:
    """A mode string when no file is given (the driver then behaves as libpq does), else a
    context that verifies as the mode says and presents the client certificate."""
    mode = options.tls_mode or ("verify-full" if options.tls_ca_file else "")
    if not (options.tls_ca_file or options.tls_cert_file):
        return mode or None
    if mode in ("disable", "prefer", "require") and not options.tls_cert_file:
        return mode
    context = ssl.create_default_context(cafile=options.tls_ca_file or None)
    context.check_hostname = mode == "verify-full"
    if mode not in ("verify-ca", "verify-full"):
        context.verify_mode = ssl.CERT_NONE
    if options.tls_cert_file:
        context.load_cert_chain(options.tls_cert_file, options.tls_key_file or None)
    return context
