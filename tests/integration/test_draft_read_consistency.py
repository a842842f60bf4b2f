"""Issue 8, item 4: every read that names a Draft revision (or an etag) holds exactly that
revision's content, while editors write concurrently; on both storage engines.

The probe: editors only ever update one agent, each writing into its instructions the
revision its edit will produce (``rev N``; the etag guard makes that prediction exact), so a
reader can check the content it got against the revision it was told."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import grpc
import pytest
import pytest_asyncio
from sqlalchemy import update

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from config_service.adapters.sql.tables import workspaces
from tests.harness import builders as b
from tests.harness.servers import PostgresServer
from tests.harness.services import ConfigHandle, start_config_service

if TYPE_CHECKING:
    from agentconfig.v1.config_service_pb2_grpc import ConfigServiceAsyncStub as Stub

SECONDS = 4.0
EDITORS = 2
READERS = 4
PADDING = 30  # entities that are never edited: longer reads, a wider window for a race
PROBE = (pb.ENTITY_KIND_AGENT, "probe")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/draft.db"
    postgres: PostgresServer = request.getfixturevalue("postgres")
    # A database of its own: this service's relay must not deliver other tests' outbox rows.
    return postgres.create_database(f"consistency_{uuid.uuid4().hex[:8]}")


@pytest_asyncio.fixture(loop_scope="session")
async def service(database_url: str) -> AsyncIterator[ConfigHandle]:
    handle = await start_config_service(database_url)
    try:
        yield handle
    finally:
        await handle.stop()


def _probe(revision: int) -> pb.Entity:
    return b.agent("probe", instructions=f"rev {revision}")


def _named(instructions: str) -> int:
    return int(instructions.removeprefix("rev "))


async def _setup(stub: Stub, ws: str) -> None:
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws))
    for i in range(PADDING):
        await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
            workspace_id=ws, entity=b.tool(f"pad-{i}")))
    created = await stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws, entity=_probe(PADDING + 1)))
    assert created.draft_revision == PADDING + 1
    await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=created.draft_revision, message="base"))


async def _editor(stub: Stub, ws: str, deadline: float) -> int:
    edits = 0
    while time.monotonic() < deadline:
        got = await stub.GetDraftEntity(cpb.GetDraftEntityRequest(
            workspace_id=ws, kind=PROBE[0], entity_id=PROBE[1]))
        expected = got.draft_revision + 1
        try:
            done = await stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
                workspace_id=ws, entity=_probe(expected), etag=got.entity.etag))
        except grpc.aio.AioRpcError as exc:
            assert exc.code() == grpc.StatusCode.ABORTED, exc
            continue
        # Only the probe is edited, so an unchanged etag means an unchanged revision.
        assert done.draft_revision == expected
        edits += 1
    return edits


Check = Callable[[], Awaitable[tuple[int, int]]]  # -> (named revision, revision of content)


def _checks(stub: Stub, ws: str) -> dict[str, Check]:
    async def snapshot() -> tuple[int, int]:
        got = (await stub.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(workspace_id=ws))).snapshot
        probe = next(e for e in got.entities if e.id == "probe")
        return got.draft_revision, _named(probe.agent.instructions)

    async def diff() -> tuple[int, int]:
        got = await stub.DiffDraft(cpb.DiffDraftRequest(workspace_id=ws))
        changes = [c for e in got.diff.entries for c in e.field_changes
                   if e.entity_id == "probe" and c.path == "instructions"]
        content = _named(changes[0].new_value.string_value) if changes else PADDING + 1
        return got.draft_revision, content

    async def entity() -> tuple[int, int]:
        got = await stub.GetDraftEntity(cpb.GetDraftEntityRequest(
            workspace_id=ws, kind=PROBE[0], entity_id=PROBE[1]))
        return got.draft_revision, _named(got.entity.entity.agent.instructions)

    async def listing() -> tuple[int, int]:
        got = await stub.ListDraftEntities(cpb.ListDraftEntitiesRequest(
            workspace_id=ws, kind=pb.ENTITY_KIND_AGENT))
        return got.draft_revision, _named(got.entities[0].entity.agent.instructions)

    return {"GetDraftSnapshot": snapshot, "DiffDraft": diff, "GetDraftEntity": entity,
            "ListDraftEntities": listing}


async def _reader(checks: dict[str, Check], deadline: float,
                  ) -> tuple[int, list[tuple[str, int, int]]]:
    reads, wrong = 0, []
    while time.monotonic() < deadline:
        for name, check in checks.items():
            named, held = await check()
            reads += 1
            if named != held:
                wrong.append((name, named, held))
    return reads, wrong


async def test_reads_hold_the_revision_they_name(service: ConfigHandle, ws_id: str) -> None:
    stub = service.stub
    await _setup(stub, ws_id)
    deadline = time.monotonic() + SECONDS
    checks = _checks(stub, ws_id)
    results = await asyncio.gather(
        *[_editor(stub, ws_id, deadline) for _ in range(EDITORS)],
        *[_reader(checks, deadline) for _ in range(READERS)])
    edits = sum(r for r in results[:EDITORS] if isinstance(r, int))
    read_results = [r for r in results[EDITORS:] if isinstance(r, tuple)]
    reads = sum(r[0] for r in read_results)
    wrong = [w for r in read_results for w in r[1]]
    assert edits >= 10 and reads >= 40, (edits, reads)  # a race that did not run proves nothing
    assert not wrong, (f"{len(wrong)} of {reads} reads ({edits} edits) named a revision they "
                       f"do not hold, e.g. (rpc, named, held): {wrong[:5]}")


async def test_a_read_sees_one_snapshot_while_a_writer_commits(service: ConfigHandle,
                                                               ws_id: str) -> None:
    """The unit of work itself: a read-only one keeps reading what it first saw even after
    another connection commits a change (REPEATABLE READ on Postgres; a real BEGIN on
    SQLite, whose driver otherwise runs each SELECT in a transaction of its own)."""
    await service.stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
    engine = service.app.engine
    async with service.app.uowf(read_only=True) as uow:
        before = await uow.repo.get_workspace(ws_id)
        assert before is not None
        if engine.dialect.name == "sqlite":
            await _commit_elsewhere_sqlite(engine.url.database or "", ws_id)
        else:
            async with engine.begin() as conn:
                await conn.execute(update(workspaces).where(workspaces.c.id == ws_id)
                                   .values(draft_revision=41))
        after = await uow.repo.get_workspace(ws_id)
        assert after is not None and after.draft_revision == before.draft_revision
    async with service.app.uowf(read_only=True) as uow:
        now = await uow.repo.get_workspace(ws_id)
        assert now is not None and now.draft_revision == 41


async def _commit_elsewhere_sqlite(path: str, ws_id: str) -> None:
    """The embedded engine has one pooled connection (held by the reader): write through a
    second, plain sqlite3 connection, as another process would."""
    import sqlite3

    def write() -> None:
        with sqlite3.connect(path, timeout=5) as other:
            other.execute("UPDATE workspaces SET draft_revision = 41 WHERE id = ?", (ws_id,))
        other.close()

    await asyncio.to_thread(write)
