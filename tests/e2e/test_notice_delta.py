"""Issue 11, deltas carried in notices, on real servers: with the service credential set
on both sides, a small publish reaches a replica with no call to the config service at all;
a notice whose delta is not signed with the credential's key (anyone who can publish on
Redis could send one) changes nothing by itself: the replica fetches the change instead."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agentconfig.bus import ProductionMove, notice_key
from agentconfig.metrics import NOTICES_REFUSED, RELOADS
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.e2e.test_delta_reload import Counting, _full, _served, _tools
from tests.harness import builders as b
from tests.harness import workspace
from tests.harness.servers import PostgresServer, RedisServer
from tests.harness.services import (
    ConfigHandle,
    RuntimeHandle,
    start_config_service,
    start_runtime_service,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SERVICE = "service-" + uuid.uuid4().hex


@pytest_asyncio.fixture(loop_scope="session")
async def signed(postgres: PostgresServer, redis_server: RedisServer, tmp_path: Path,
                 ws_id: str) -> AsyncIterator[tuple[ConfigHandle, RuntimeHandle, Counting]]:
    database = postgres.create_database(f"notice_{uuid.uuid4().hex[:8]}")
    config = await start_config_service(database, redis_server.url, service_key=SERVICE)
    await workspace.seed(config.stub, ws_id)
    await workspace.publish_all(config.stub, ws_id, _tools(), "v2: tools")
    runtime = await start_runtime_service(config.address, redis_server.url,
                                          str(tmp_path / "cache"), service_key=SERVICE)
    counting = Counting(runtime.app.config)
    runtime.app.loader.config = counting
    await runtime.app.loader.ensure(ws_id)
    yield config, runtime, counting
    await runtime.stop()
    await config.stop()


async def test_a_small_publish_needs_no_call(
        signed: tuple[ConfigHandle, RuntimeHandle, Counting], ws_id: str) -> None:
    config, runtime, counting = signed
    before = RELOADS.labels("notice")._value.get()
    version = await workspace.publish_all(config.stub, ws_id, _tools({"t003": 3}), "small")
    assert await _served(runtime.app.loader, ws_id, version.number) == [2, 3]
    assert counting.deltas == [] and counting.full == []
    assert RELOADS.labels("notice")._value.get() == before + 1
    served = runtime.app.loader.store.state(ws_id).current
    assert served is not None and served.proto == await _full(config, ws_id, 3)


@pytest.mark.parametrize("forgery", ["other key", "altered after signing"])
async def test_a_forged_delta_in_a_notice_is_not_trusted(
        signed: tuple[ConfigHandle, RuntimeHandle, Counting], ws_id: str, forgery: str,
) -> None:
    config, runtime, counting = signed
    loader = runtime.app.loader
    caught: list[ProductionMove] = []
    arrived = asyncio.Event()

    def catch(move: ProductionMove) -> None:
        caught.append(move)
        arrived.set()

    loader.on_move = catch  # type: ignore[method-assign]
    loader.reconcile_seconds = 3600.0
    await asyncio.sleep(0.4)
    version = await workspace.publish_all(config.stub, ws_id, _tools({"t004": 4}), "real")
    await asyncio.wait_for(arrived.wait(), 5)
    real = caught[0]
    assert real.version == version.number and real.delta_verifies(notice_key(SERVICE))
    altered = json.loads(real.delta)
    altered["changed"][0][3]["timeout_ms"] = 5  # what a forger would serve
    text = json.dumps(altered)
    refused = NOTICES_REFUSED.labels("bad_delta")._value.get()
    forged = real.signed(text, notice_key("not the service key")) if forgery == "other key" \
        else ProductionMove(real.workspace_id, real.version, real.content_hash, text,
                            real.signature)
    await loader.advance(forged)
    assert NOTICES_REFUSED.labels("bad_delta")._value.get() == refused + 1
    assert counting.deltas == [(2, 3, 1)]  # fetched instead
    served = loader.store.state(ws_id).current
    assert served is not None and served.proto == await _full(config, ws_id, 3)


async def test_removals_and_additions_travel_in_the_notice(
        signed: tuple[ConfigHandle, RuntimeHandle, Counting], ws_id: str) -> None:
    config, runtime, counting = signed
    applied = await config.stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws_id, entities=[b.voice("warm")],
        deletions=[cpb.EntityRef(kind=pb.ENTITY_KIND_TOOL, entity_id="t050")]))
    await config.stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=applied.draft_revision, message="swap"))
    assert await _served(runtime.app.loader, ws_id, 3) == [2, 3]
    assert counting.deltas == [] and counting.full == []
    served = runtime.app.loader.store.state(ws_id).current
    assert served is not None and served.proto == await _full(config, ws_id, 3)
