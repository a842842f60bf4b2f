"""Unit of work = one connection and one transaction; rolled back unless committed. One
that only reads (``read_only``) reads one consistent snapshot.

It is also where the store's failures meet the domain: a store that cannot be reached, is
starting or shutting down, is locked, or does not answer in time is Unavailable
(DATABASE_UNAVAILABLE, with a retry hint), so use cases never see SQLAlchemy and callers get
UNAVAILABLE, not INTERNAL. Anything else (a bug) travels on untouched."""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Self

from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from agentconfig.errors import Conflict, Unavailable
from config_service.adapters.sql.engine import read_only_options
from config_service.adapters.sql.repository import SqlRepository
from config_service.service.ports import UnitOfWork, UnitOfWorkFactory

log = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 1.0

# Postgres SQLSTATEs (classes or codes) that say "the server cannot serve now", not "this
# statement is wrong": connection exceptions, insufficient resources (too many connections,
# disk full), shutdown / crash / starting up, statement timeout, I/O error.
_PG_STATES = ("08", "53", "57P01", "57P02", "57P03", "57014", "58")
# SQLite result codes (extended ones start with these) with the same meaning: locked by
# another connection past the busy timeout, the file cannot be opened, read or written.
_SQLITE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_CANTOPEN", "SQLITE_IOERR",
                 "SQLITE_FULL", "SQLITE_READONLY", "SQLITE_PROTOCOL")


def unavailable(error: BaseException, dependency: str) -> Unavailable | None:
    """The Unavailable that ``error`` means, or None when it is not the store's outage."""
    if not _is_outage(error):
        return None
    return Unavailable(f"the database ({dependency}) cannot be reached or did not answer in "
                       f"time ({_cause(error)}); retry shortly",
                       reason="DATABASE_UNAVAILABLE", metadata={"dependency": dependency},
                       retry_after_seconds=RETRY_AFTER_SECONDS)


# A serialization failure or a deadlock: the transaction lost a race with another one and
# was rolled back as a whole; the same request may well succeed when retried.
_PG_CONFLICTS = ("40001", "40P01")


def conflict(error: BaseException) -> Conflict | None:
    if not _code(error).startswith(_PG_CONFLICTS):
        return None
    return Conflict("the change collided with a concurrent one and was rolled back as a "
                    f"whole ({_cause(error)}); retry it", reason="TRANSACTION_CONFLICT")


def _is_outage(error: BaseException) -> bool:
    # OSError covers refused or reset connections and (TimeoutError) the connect and command
    # timeouts; sa_exc.TimeoutError is the pool's.
    if isinstance(error, OSError | sa_exc.TimeoutError):
        return True
    if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
        return True
    code = _code(error)
    return code.startswith(_PG_STATES) or code.startswith(_SQLITE_CODES)


def _code(error: BaseException) -> str:
    """The SQLSTATE (asyncpg, raw or wrapped) or SQLite error name, if any."""
    for err in (error, getattr(error, "orig", None)):
        for attr in ("sqlstate", "sqlite_errorname"):
            value = getattr(err, attr, None)
            if isinstance(value, str) and value:
                return value
    return ""


def _cause(error: BaseException) -> str:
    code = _code(error)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._dependency = "postgres" if engine.dialect.name == "postgresql" \
            else engine.dialect.name
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        try:
            self._conn = await self._engine.connect()
            if self._read_only:
                await self._conn.execution_options(**read_only_options(self._engine))
            self._tx = await self._conn.begin()
        except Exception as error:
            await self.__aexit__(type(error), error, error.__traceback__)
            raise
        self.repo = SqlRepository(self._conn)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        outage = unavailable(exc, self._dependency) if isinstance(exc, Exception) else None
        try:
            await self._end(broken=outage is not None)
        except Exception as failure:
            if unavailable(failure, self._dependency) is None:
                raise
            # The transaction dies with the connection; what the body did or raised stands.
            log.warning("the %s connection failed while ending a unit of work: %r",
                        self._dependency, failure)
        if outage is not None:
            log.warning("%s unavailable: %r", self._dependency, exc)
            raise outage from exc
        lost_race = conflict(exc) if isinstance(exc, Exception) else None
        if lost_race is not None:
            raise lost_race from exc

    async def _end(self, broken: bool) -> None:
        """Roll back; a connection that failed is dropped instead (the server rolls back
        what it held), so cleanup does not wait on a store that is not answering."""
        if self._conn is None:
            return
        try:
            if broken:
                await self._conn.invalidate()
            else:
                await self.rollback()
        finally:
            await self._conn.close()

    async def commit(self) -> None:
        assert self._tx is not None
        await self._tx.commit()

    async def rollback(self) -> None:
        if self._tx is not None and self._tx.is_active:
            await self._tx.rollback()


class SqlUnitOfWorkFactory(UnitOfWorkFactory):
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine, read_only)
