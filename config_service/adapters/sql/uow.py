"""Unit of work = one connection and one transaction; rolled back unless committed. One
that only reads (``read_only``) reads one consistent snapshot."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from config_service.adapters.sql.engine import read_only_options
from config_service.adapters.sql.repository import SqlRepository
from config_service.service.ports import UnitOfWork, UnitOfWorkFactory


class SqlUnitOfWork(UnitOfWork):
    def __init__(self, engine: AsyncEngine, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._conn: AsyncConnection | None = None
        self._tx: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        self._conn = await self._engine.connect()
        if self._read_only:
            await self._conn.execution_options(**read_only_options(self._engine))
        self._tx = await self._conn.begin()
        self.repo = SqlRepository(self._conn)
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            await self.rollback()
        finally:
            if self._conn is not None:
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
