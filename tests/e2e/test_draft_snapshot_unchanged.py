"""GetDraftSnapshot with the revision the caller holds, on real Postgres through the real
stub: the current revision is answered "unchanged" with no snapshot, an older one (after
an edit, or a restore into the Draft) with the whole Draft; and the internal chat, on the
runtime's real client, transfers the Draft once while it does not change."""

from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.config_client import GrpcConfigSource
from runtime_service.service.chat import ChatService, ChatTurn
from runtime_service.service.ports import Recorder, Turn
from runtime_service.simulator.adapters.responders import DeterministicResponder
from tests.harness import builders as b
from tests.harness import workspace
from tests.harness.services import ConfigHandle

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def _draft(config: ConfigHandle, ws: str, known: int = 0,
                 ) -> cpb.GetDraftSnapshotResponse:
    return await config.stub.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(
        workspace_id=ws, known_draft_revision=known))


async def test_the_current_revision_is_answered_unchanged(config: ConfigHandle, ws_id: str,
                                                          ) -> None:
    await workspace.seed(config.stub, ws_id)
    full = await _draft(config, ws_id)
    revision = full.snapshot.draft_revision
    assert not full.unchanged and full.draft_revision == revision > 0
    assert len(full.snapshot.entities) == len(workspace.entities())
    same = await _draft(config, ws_id, revision)
    assert same.unchanged and not same.HasField("snapshot")
    assert same.draft_revision == revision


async def test_an_older_revision_gets_the_whole_draft(config: ConfigHandle, ws_id: str,
                                                      ) -> None:
    await workspace.seed(config.stub, ws_id)
    before = (await _draft(config, ws_id)).snapshot
    edited = await config.stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws_id, entities=[b.agent("billing", name="Invoices")]))
    after = await _draft(config, ws_id, before.draft_revision)
    assert not after.unchanged and after.draft_revision == edited.draft_revision
    assert after.snapshot.draft_revision == edited.draft_revision > before.draft_revision
    assert after.snapshot.content_hash != before.content_hash
    billing = [e for e in after.snapshot.entities if e.id == "billing"]
    assert billing[0].agent.name == "Invoices"
    restored = await config.stub.RestoreVersion(cpb.RestoreVersionRequest(
        workspace_id=ws_id, version=1, draft_revision=edited.draft_revision))
    back = await _draft(config, ws_id, edited.draft_revision)
    assert back.snapshot.draft_revision == restored.draft_revision > edited.draft_revision
    assert back.snapshot.content_hash == before.content_hash


async def test_a_negative_revision_is_refused(config: ConfigHandle, ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await _draft(config, ws_id, -1)
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(refused.value)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad) for d in status.details)
    assert [(v.field, v.reason) for v in bad.field_violations] == [
        ("known_draft_revision", "OUT_OF_RANGE")]


class _Counting(GrpcConfigSource):
    def __init__(self, address: str) -> None:
        super().__init__(address)
        self.transfers = 0

    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot | None:
        found = await super().draft(workspace_id, known_revision)
        self.transfers += found is not None
        return found


class _Discard(Recorder):
    def record(self, turn: Turn) -> None:
        return None


async def test_the_chat_transfers_an_unchanged_draft_once(config: ConfigHandle, ws_id: str,
                                                          ) -> None:
    await workspace.seed(config.stub, ws_id)
    source = _Counting(config.address)
    chat = ChatService(source, DeterministicResponder(), _Discard())

    async def turn(message: str) -> rpb.ChatResponse:
        return await chat.turn(ChatTurn(ws_id, "agent", "billing", True, 0, message,
                                        rpb.ConversationContext(turn=1), "c1"))
    try:
        first, second = await turn("hello"), await turn("again")
        assert source.transfers == 1
        assert first.reply.startswith("[Billing]") and second.reply.startswith("[Billing]")
        await config.stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
            workspace_id=ws_id, entities=[b.agent("billing", name="Invoices")]))
        third = await turn("and now?")
        assert source.transfers == 2 and third.reply.startswith("[Invoices]")
    finally:
        await source.close()
