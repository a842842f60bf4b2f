"""Issue 11, delta reloads, on real servers (Postgres, Redis, the config service and a
runtime replica): a publish reaches the replica as the change only (GetVersionChanges
carries the changed entities, GetVersion is not called), a delta that does not verify falls
back to a full load of the right version, a replica several versions behind catches up by
one delta, and nothing goes backwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agentconfig.bus import ProductionMove
from agentconfig.metrics import RELOADS
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from runtime_service.adapters.config_client import GrpcConfigSource
from runtime_service.domain.snapshot_delta import Delta
from runtime_service.service.loader import Loader
from tests.harness import builders as b
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
TOOLS = 60


class Counting(GrpcConfigSource):
    """The replica's real client, counting what each delta and full load carried; told to,
    it alters one entity body of each delta (a forged or corrupted answer)."""

    def __init__(self, inner: GrpcConfigSource) -> None:
        self.__dict__.update(inner.__dict__)
        self.deltas: list[tuple[int, int, int]] = []  # (from, to, changed entities)
        self.full: list[int] = []
        self.forge = False

    async def changes(self, workspace_id: str, old: int, new: int) -> Delta:
        delta = await super().changes(workspace_id, old, new)
        self.deltas.append((old, new, len(delta.changed)))
        if self.forge and delta.changed:
            entity, claimed = delta.changed[0]
            altered = pb.Entity()
            altered.CopyFrom(entity)
            altered.tool.timeout_ms += 1
            delta = Delta(**{**delta.__dict__, "changed": ((altered, claimed),
                                                           *delta.changed[1:])})
        return delta

    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        self.full.append(number)
        return await super().version(workspace_id, number)


def _tools(timeouts: dict[str, int] | None = None) -> list[pb.Entity]:
    timeouts = timeouts or {}
    return [b.tool(f"t{i:03d}", timeout_ms=timeouts.get(f"t{i:03d}", 1000))
            for i in range(TOOLS)]


@pytest_asyncio.fixture(loop_scope="session")
async def replica(config: ConfigHandle, redis_server: RedisServer, tmp_path: Path,
                  ws_id: str) -> AsyncIterator[tuple[RuntimeHandle, Counting]]:
    await workspace.seed(config.stub, ws_id)
    await workspace.publish_all(config.stub, ws_id, _tools(), "v2: tools")
    runtime = await start_runtime_service(config.address, redis_server.url,
                                          str(tmp_path / "cache"), reconcile_seconds=0.3)
    counting = Counting(runtime.app.config)
    runtime.app.loader.config = counting
    await runtime.app.loader.ensure(ws_id)
    yield runtime, counting
    await runtime.stop()


async def _served(loader: Loader, ws: str, version: int) -> list[int]:
    """Wait until ``version`` is served; every version served meanwhile, in order."""
    seen: list[int] = []
    async with asyncio.timeout(10):
        while True:
            state = loader.store.state(ws)
            current = state.current.version if state.current else 0
            if not seen or seen[-1] != current:
                seen.append(current)
            if current >= version:
                return seen
            await asyncio.sleep(0.005)


async def _full(config: ConfigHandle, ws: str, version: int) -> pb.Snapshot:
    got = await config.stub.GetVersion(cpb.GetVersionRequest(workspace_id=ws, version=version))
    return got.snapshot


async def test_a_publish_arrives_as_the_change_only(
        config: ConfigHandle, replica: tuple[RuntimeHandle, Counting], ws_id: str) -> None:
    runtime, counting = replica
    before = RELOADS.labels("delta")._value.get()
    version = await workspace.publish_all(config.stub, ws_id, _tools({"t007": 7}), "one tool")
    assert await _served(runtime.app.loader, ws_id, version.number) == [2, 3]
    assert counting.deltas == [(2, 3, 1)] and counting.full == []
    assert RELOADS.labels("delta")._value.get() == before + 1
    served = runtime.app.loader.store.state(ws_id).current
    assert served is not None and served.proto == await _full(config, ws_id, 3)


async def test_a_delta_that_does_not_verify_falls_back_to_a_full_load(
        config: ConfigHandle, replica: tuple[RuntimeHandle, Counting], ws_id: str) -> None:
    runtime, counting = replica
    counting.forge = True
    before = RELOADS.labels("delta_fallback")._value.get()
    version = await workspace.publish_all(config.stub, ws_id, _tools({"t009": 9}), "forged")
    assert await _served(runtime.app.loader, ws_id, version.number) == [2, 3]
    assert counting.deltas == [(2, 3, 1)] and counting.full == [3]
    assert RELOADS.labels("delta_fallback")._value.get() == before + 1
    served = runtime.app.loader.store.state(ws_id).current
    assert served is not None and served.proto == await _full(config, ws_id, 3)


async def test_several_versions_behind_catch_up_by_one_delta(
        config: ConfigHandle, replica: tuple[RuntimeHandle, Counting], ws_id: str) -> None:
    runtime, counting = replica
    loader = runtime.app.loader
    dropped: list[ProductionMove] = []
    loader.on_move = dropped.append  # type: ignore[method-assign, assignment]  # lost notices
    loader.reconcile_seconds = 3600.0
    await asyncio.sleep(0.4)  # a reconcile pass already asleep has run
    numbers = [(await workspace.publish_all(config.stub, ws_id, _tools({f"t00{i}": i}),
                                            f"lost {i}")).number for i in range(1, 4)]
    await asyncio.sleep(0.3)
    assert loader.store.state(ws_id).current.version == 2  # type: ignore[union-attr]
    await loader.reconcile()  # the pointer says v5: one delta from v2
    assert await _served(loader, ws_id, numbers[-1]) == [5]
    assert counting.deltas == [(2, 5, 1)] and counting.full == []  # t001, t002 back as they were
    served = loader.store.state(ws_id).current
    assert served is not None and served.proto == await _full(config, ws_id, 5)
    await loader.advance(dropped[0])  # a late notice of v3: ignored
    assert loader.store.state(ws_id).current is served


async def test_removals_and_additions_travel_in_the_delta(
        config: ConfigHandle, replica: tuple[RuntimeHandle, Counting], ws_id: str) -> None:
    runtime, counting = replica
    applied = await config.stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws_id, entities=[b.voice("warm")],
        deletions=[cpb.EntityRef(kind=pb.ENTITY_KIND_TOOL, entity_id="t050")]))
    published = await config.stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=applied.draft_revision, message="swap"))
    changes = await config.stub.GetVersionChanges(cpb.GetVersionChangesRequest(
        workspace_id=ws_id, from_version=2, to_version=published.version.number))
    assert [c.entity.id for c in changes.changed] == ["warm"]
    assert [(r.kind, r.entity_id) for r in changes.removed] == [(pb.ENTITY_KIND_TOOL, "t050")]
    assert changes.version.content_hash == published.version.content_hash
    await _served(runtime.app.loader, ws_id, 3)
    assert counting.deltas == [(2, 3, 1)] and counting.full == []
    served = runtime.app.loader.store.state(ws_id).current
    assert served is not None and served.proto == await _full(config, ws_id, 3)
