"""Issue 2, item 2: gap-free numbering and optimistic concurrency under concurrent callers
on two service instances over one Postgres."""

from __future__ import annotations

import asyncio
import uuid

import grpc
import pytest

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.harness import builders as b
from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres]
PUBLISHERS = 24


async def _publish(handle: ConfigHandle, ws: str, revision: int) -> cpb.Version | grpc.StatusCode:
    try:
        return (await handle.stub.PublishDraft(cpb.PublishDraftRequest(
            workspace_id=ws, reviewed_revision=revision, message="race",
            request_id=uuid.uuid4().hex))).version
    except grpc.aio.AioRpcError as exc:
        return exc.code()


async def test_one_success_per_reviewed_revision(
        two_instances: tuple[ConfigHandle, ConfigHandle], ws_id: str) -> None:
    a, b_ = two_instances
    await a.stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
    for round_ in range(4):
        edit = await a.stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
            workspace_id=ws_id, entity=b.tool(f"tool-{round_}")))
        results = await asyncio.gather(*[
            _publish((a, b_)[i % 2], ws_id, edit.draft_revision) for i in range(PUBLISHERS)])
        wins = [r for r in results if isinstance(r, cpb.Version)]
        assert len(wins) == 1, results
        assert wins[0].number == round_ + 1
        refused = {r for r in results if not isinstance(r, cpb.Version)}
        assert refused <= {grpc.StatusCode.FAILED_PRECONDITION, grpc.StatusCode.ABORTED}
    listed = await b_.stub.ListVersions(cpb.ListVersionsRequest(workspace_id=ws_id))
    assert [v.number for v in listed.versions] == [4, 3, 2, 1]


async def _edit_and_publish(handle: ConfigHandle, ws: str, i: int) -> int | None:
    edit = await handle.stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws, entity=b.tool(f"t-{i}")))
    result = await _publish(handle, ws, edit.draft_revision)
    return result.number if isinstance(result, cpb.Version) else None


async def test_interleaved_editors_and_publishers_never_leave_gaps(
        two_instances: tuple[ConfigHandle, ConfigHandle], ws_id: str) -> None:
    a, b_ = two_instances
    await a.stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
    numbers = await asyncio.gather(*[
        _edit_and_publish((a, b_)[i % 2], ws_id, i) for i in range(PUBLISHERS)])
    published = sorted(n for n in numbers if n is not None)
    assert published == list(range(1, len(published) + 1))
    listed = await a.stub.ListVersions(cpb.ListVersionsRequest(workspace_id=ws_id,
                                                               page_size=100))
    assert [v.number for v in listed.versions] == published[::-1]
    revisions = [v.origin.draft_revision for v in listed.versions]
    assert len(set(revisions)) == len(revisions)
    # whatever was published last, the Draft still holds every editor's entity
    draft = await a.stub.GetDraft(cpb.GetDraftRequest(workspace_id=ws_id))
    assert draft.draft.entity_count == PUBLISHERS


async def test_same_etag_one_editor_wins_other_is_aborted(
        two_instances: tuple[ConfigHandle, ConfigHandle], ws_id: str) -> None:
    a, b_ = two_instances
    await a.stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws_id))
    created = (await a.stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=ws_id, entity=b.agent("support")))).entity

    async def write(handle: ConfigHandle, text: str) -> str | grpc.StatusCode:
        try:
            await handle.stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
                workspace_id=ws_id, entity=b.agent("support", instructions=text),
                etag=created.etag))
            return text
        except grpc.aio.AioRpcError as exc:
            return exc.code()

    results = await asyncio.gather(write(a, "from editor A"), write(b_, "from editor B"))
    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1 and grpc.StatusCode.ABORTED in results
    stored = (await a.stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws_id, kind=pb.ENTITY_KIND_AGENT, entity_id="support"))).entity
    assert stored.entity.agent.instructions == winners[0]
    # the loser re-reads, sees the winner's text, and writes on top: nothing is lost
    loser_text = winners[0] + " + the other editor"
    await b_.stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws_id, entity=b.agent("support", instructions=loser_text),
        etag=stored.etag))
    final = (await b_.stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws_id, kind=pb.ENTITY_KIND_AGENT, entity_id="support"))).entity
    assert final.entity.agent.instructions == loser_text
