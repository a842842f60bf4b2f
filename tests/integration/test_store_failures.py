"""Issue 8, item 3, at the unit of work: which failures of a real store become Unavailable
(connection lost mid-transaction, a server that accepts but never answers, a statement
past its timeout, a server shutting down, a file that cannot be opened), that a failure
before commit keeps nothing, and that a bug is still a bug."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from agentconfig.database import DatabaseOptions
from agentconfig.errors import Conflict, Unavailable
from config_service.adapters.sql.engine import make_engine, migrate
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory, unavailable
from config_service.service import workspaces
from tests.harness.servers import PostgresServer


@pytest_asyncio.fixture(loop_scope="session")
async def database(postgres: PostgresServer) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A database of its own (its sessions get killed here) and an admin engine on it."""
    url = postgres.create_database(f"failures_{uuid.uuid4().hex[:8]}")
    admin = create_async_engine(url)
    yield url, admin
    await admin.dispose()


def _is_outage(error: BaseException, dependency: str = "postgres") -> None:
    assert isinstance(error, Unavailable), repr(error)
    assert (error.reason, error.metadata) == ("DATABASE_UNAVAILABLE",
                                              {"dependency": dependency})
    assert error.retry_after_seconds and error.retry_after_seconds > 0


@pytest.mark.postgres
async def test_connection_lost_before_commit_keeps_nothing(
        database: tuple[str, AsyncEngine], ws_id: str) -> None:
    url, admin = database
    engine = make_engine(url)
    await migrate(engine)
    uowf = SqlUnitOfWorkFactory(engine)
    try:
        await workspaces.create_workspace(uowf, ws_id, "x")
        with pytest.raises(Unavailable) as caught:
            async with uowf() as uow:
                ws = await uow.repo.lock_workspace(ws_id)
                assert ws is not None
                ws.draft_revision += 1
                await uow.repo.save_workspace(ws)
                async with admin.connect() as conn:  # every other session of this database
                    await conn.execute(text(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                        "datname = current_database() AND pid <> pg_backend_pid()"))
                await uow.commit()
        _is_outage(caught.value)
        # the pool recovers on its own, and the revision did not move
        assert (await workspaces.get_workspace(uowf, ws_id)).draft_revision == 0
    finally:
        await engine.dispose()


@pytest.mark.postgres
async def test_a_bug_is_not_an_outage(database: tuple[str, AsyncEngine], ws_id: str) -> None:
    """A write in a read-only unit of work is the code's fault: it travels on as it is (and
    the interceptor answers INTERNAL with an incident id)."""
    url, _ = database
    engine = make_engine(url)
    await migrate(engine)
    uowf = SqlUnitOfWorkFactory(engine)
    try:
        await workspaces.create_workspace(uowf, ws_id, "x")
        with pytest.raises(sa_exc.DBAPIError) as caught:
            async with uowf(read_only=True) as uow:
                ws = await uow.repo.get_workspace(ws_id)
                assert ws is not None
                await uow.repo.save_workspace(ws)
        assert "read-only transaction" in str(caught.value)
        assert unavailable(caught.value, "postgres") is None
        assert unavailable(ValueError("bug"), "postgres") is None
    finally:
        await engine.dispose()


@pytest.mark.parametrize("query", ["", "?timeout=0.5"])
async def test_a_server_that_never_answers_is_given_up_on(query: str) -> None:
    """Accepts the TCP connection, never speaks: the connect timeout (default, or the
    URL's) ends the wait."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        port = hung.getsockname()[1]
        engine = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/x{query}")
        started = time.monotonic()
        try:
            with pytest.raises(Unavailable) as caught:
                async with SqlUnitOfWorkFactory(engine)(read_only=True):
                    pass
        finally:
            await engine.dispose()
    _is_outage(caught.value)
    limit = 0.5 if query else DatabaseOptions().connect_timeout
    assert time.monotonic() - started < limit + 1.5


@pytest.mark.postgres
async def test_a_statement_past_its_timeout_is_unavailable(
        database: tuple[str, AsyncEngine], ws_id: str) -> None:
    """Another session holds the workspace lock longer than the command timeout."""
    url, admin = database
    engine = make_engine(f"{url}?command_timeout=0.5")
    await migrate(engine)
    uowf = SqlUnitOfWorkFactory(engine)
    try:
        await workspaces.create_workspace(uowf, ws_id, "x")
        async with admin.begin() as holder:
            await holder.execute(text("SELECT 1 FROM workspaces WHERE id = :id FOR UPDATE"),
                                 {"id": ws_id})
            with pytest.raises(Unavailable) as caught:
                async with uowf() as uow:
                    await uow.repo.lock_workspace(ws_id)
        _is_outage(caught.value)
        async with uowf() as uow:  # lock released: the same engine carries on
            assert await uow.repo.lock_workspace(ws_id) is not None
    finally:
        await engine.dispose()


async def test_a_server_shutting_down_is_unavailable_until_it_is_back() -> None:
    """``pg_ctl stop -m smart`` with a session still open: new connections are refused
    with "the database system is shutting down" (57P03) until the server is back."""
    server = PostgresServer().start()
    try:
        url = server.create_database("shutdown")
        engine = make_engine(url)
        await migrate(engine)
        await engine.dispose()  # nothing pooled: the next unit of work must connect
        uowf = SqlUnitOfWorkFactory(engine)
        holder = create_async_engine(url)
        held = await holder.connect()
        await held.execute(text("SELECT 1"))
        await asyncio.to_thread(server.halt, "smart")
        with pytest.raises(Unavailable) as caught:
            async with uowf(read_only=True):
                pass
        _is_outage(caught.value)
        assert "57P03" in caught.value.message
        await held.close()
        await holder.dispose()
        await asyncio.to_thread(server.resume)
        async with uowf(read_only=True) as uow:
            assert await uow.repo.get_workspace("nope") is None
        await engine.dispose()
    finally:
        server.stop()


async def test_sqlite_file_that_cannot_be_opened_is_unavailable(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/missing/folder/x.db")
    try:
        with pytest.raises(Unavailable) as caught:
            async with SqlUnitOfWorkFactory(engine)():
                pass
    finally:
        await engine.dispose()
    _is_outage(caught.value, "sqlite")
    assert "SQLITE_CANTOPEN" in caught.value.message


@pytest.mark.postgres
async def test_a_deadlock_is_a_conflict_to_retry(database: tuple[str, AsyncEngine]) -> None:
    """Two writers locking two workspaces in opposite orders: Postgres rolls one back
    (40P01), which the caller gets as ABORTED TRANSACTION_CONFLICT, not INTERNAL."""
    url, _ = database
    engine = make_engine(url)
    await migrate(engine)
    uowf = SqlUnitOfWorkFactory(engine)
    first, second = f"ws-{uuid.uuid4().hex[:8]}", f"ws-{uuid.uuid4().hex[:8]}"
    both_hold_one = asyncio.Barrier(2)

    async def writer(a: str, b: str) -> None:
        async with uowf() as uow:
            await uow.repo.lock_workspace(a)
            await both_hold_one.wait()
            await uow.repo.lock_workspace(b)
            await uow.commit()

    try:
        for ws in (first, second):
            await workspaces.create_workspace(uowf, ws, "x")
        outcomes = await asyncio.gather(writer(first, second), writer(second, first),
                                        return_exceptions=True)
        errors = [o for o in outcomes if isinstance(o, BaseException)]
        assert len(errors) == 1, outcomes
        assert isinstance(errors[0], Conflict), repr(errors[0])
        assert errors[0].reason == "TRANSACTION_CONFLICT"
    finally:
        await engine.dispose()
