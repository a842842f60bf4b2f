"""Issue 11, storage: delivered outbox rows older than the retention are deleted by the
relay in small batches, on real Postgres; pending rows stay, however old, and so do
recent delivered ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import create_async_engine

from agentconfig.bus import ProductionMove
from config_service.adapters.notify import Publisher
from config_service.adapters.outbox_relay import OutboxRelay
from config_service.adapters.sql.tables import outbox
from tests.harness.servers import PostgresServer
from tests.harness.services import start_config_service

pytestmark = [pytest.mark.postgres]
HASH = "ab" * 32


class _Nowhere(Publisher):
    async def publish(self, move: ProductionMove) -> None:
        raise AssertionError("nothing is pending here")

    async def channels_changed(self, workspace_id: str) -> None:
        return None

    async def key_revoked(self, key_id: str) -> None:
        return None


async def test_old_delivered_rows_are_pruned_in_batches(postgres: PostgresServer) -> None:
    database = postgres.create_database(f"prune_{uuid.uuid4().hex[:8]}")
    await (await start_config_service(database)).stop()  # migrated, then out of the way
    engine = create_async_engine(database)
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=8), now - timedelta(days=6)
    rows = ([{"delivered_at": old, "created_at": old}] * 7
            + [{"delivered_at": recent, "created_at": recent}] * 2
            + [{"delivered_at": None, "created_at": old}])
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(outbox), [
                {"workspace_id": "ws-prune", "version": n + 1, "content_hash": HASH} | row
                for n, row in enumerate(rows)])
        relay = OutboxRelay(engine, _Nowhere(), retention=7 * 24 * 3600)
        assert await relay.prune(batch=3) == 7  # in batches of 3, 3 and 1
        async with engine.connect() as conn:
            left = (await conn.execute(select(outbox.c.version, outbox.c.delivered_at)
                                       .order_by(outbox.c.version))).all()
        assert [v for v, _ in left] == [8, 9, 10] and left[-1][1] is None
        assert await relay.prune() == 0
    finally:
        await engine.dispose()
