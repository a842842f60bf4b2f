"""Issue 9, "What must show" item 2, and conversations over ResolveChannel: two runtime
replicas with no balancer between them; the turns of one conversation alternate between
them, a publish lands mid-conversation, and every turn is answered from the version the
conversation started on (served_from.version and reason PINNED): once with the gateway
carrying the conversation token, once with only the conversation id (the shared record in
Redis), and again after one replica is restarted. A squad's hand-off lasts across turns and
replicas. The recorded conversation reads back over gRPC."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.recorder import SqlRecorder
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SECRET = "e2e-" + uuid.uuid4().hex
V1_TEXT, V2_TEXT = "You help customers politely.", "Be brief."


@pytest_asyncio.fixture(loop_scope="session")
async def pair(config: ConfigHandle, redis_server: RedisServer, postgres_url: str,
               tmp_path: Path) -> AsyncIterator[list[RuntimeHandle]]:
    handles = [await _replica(config, redis_server, postgres_url, tmp_path, i)
               for i in range(2)]
    yield handles
    for handle in handles:
        await handle.stop()


async def _replica(config: ConfigHandle, redis_server: RedisServer, postgres_url: str,
                   tmp_path: Path, i: int) -> RuntimeHandle:
    return await start_runtime_service(config.address, redis_server.url, str(tmp_path / f"r{i}"),
                                       database_url=postgres_url, conversation_secret=SECRET,
                                       replica_id=f"replica-{i}")


async def _until_served(handles: list[RuntimeHandle], ws: str, version: int) -> None:
    for handle in handles:
        for _ in range(500):
            answer = await handle.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws, channel_id="wa"))
            if answer.served_from.version == version:
                assert answer.served_from.reason == rpb.SERVE_REASON_PRODUCTION
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError(f"a replica never served v{version}")


class Gateway:
    """A channel gateway: one conversation, sent to whichever replica it is given."""

    def __init__(self, ws: str, channel: str, carries_token: bool) -> None:
        self.ws, self.channel, self.carries_token = ws, channel, carries_token
        self.conversation = f"conv-{uuid.uuid4().hex[:8]}"
        self.token = ""
        self.answers: list[rpb.ResolveChannelResponse] = []

    async def turn(self, replica: RuntimeHandle, message: str = "hello",
                   ) -> rpb.ResolveChannelResponse:
        answer = await replica.stub.ResolveChannel(rpb.ResolveChannelRequest(
            workspace_id=self.ws, channel_id=self.channel, conversation_id=self.conversation,
            conversation_token=self.token if self.carries_token else "",
            context=rpb.ConversationContext(message=message)))
        self.token = answer.conversation_token
        self.answers.append(answer)
        return answer

    def assert_pinned_to(self, version: int, instructions: str) -> None:
        """Every turn from ``version``. The turn count is exact with the token; without
        it, each replica counts from its own memory (docs/architecture.md)."""
        for n, answer in enumerate(self.answers, 1):
            served = answer.served_from
            assert (served.version, served.reason) == (version, rpb.SERVE_REASON_PINNED), n
            assert answer.conversation.version == version
            assert answer.conversation.turns == n or not self.carries_token
            if self.channel == "wa":
                assert answer.agent.agent.instructions == instructions


@pytest.mark.parametrize("carries_token", [True, False], ids=["token", "shared-record"])
async def test_turns_alternate_between_replicas_across_a_publish(
        config: ConfigHandle, pair: list[RuntimeHandle], ws_id: str, carries_token: bool,
) -> None:
    await workspace.seed(config.stub, ws_id)
    gateway = Gateway(ws_id, "wa", carries_token)
    for replica in pair:  # turns 1 and 2
        await gateway.turn(replica)
    await workspace.publish_all(config.stub, ws_id, workspace.entities(V2_TEXT), "v2")
    await _until_served(pair, ws_id, 2)
    for i in range(4):  # turns 3 to 6, after the publish
        await gateway.turn(pair[i % 2])
    gateway.assert_pinned_to(1, V1_TEXT)
    fresh = Gateway(ws_id, "wa", carries_token)
    assert (await fresh.turn(pair[1])).served_from.version == 2


@pytest.mark.parametrize("carries_token", [True, False], ids=["token", "shared-record"])
async def test_the_pin_holds_on_a_restarted_replica(
        config: ConfigHandle, pair: list[RuntimeHandle], redis_server: RedisServer,
        postgres_url: str, tmp_path: Path, ws_id: str, carries_token: bool) -> None:
    await workspace.seed(config.stub, ws_id)
    gateway = Gateway(ws_id, "wa", carries_token)
    await gateway.turn(pair[0])
    await gateway.turn(pair[1])
    await workspace.publish_all(config.stub, ws_id, workspace.entities(V2_TEXT), "v2")
    await _until_served(pair, ws_id, 2)
    await pair[1].stop()  # forgets every pin and v1 itself
    pair[1] = await _replica(config, redis_server, postgres_url, tmp_path, 1)
    for i in range(4):
        await gateway.turn(pair[(i + 1) % 2])  # the restarted replica first
    gateway.assert_pinned_to(1, V1_TEXT)
    assert 1 in pair[1].app.loader.store.workspaces[ws_id].versions


async def test_a_squad_hand_off_lasts_and_the_conversation_reads_back(
        config: ConfigHandle, pair: list[RuntimeHandle], ws_id: str) -> None:
    await workspace.seed(config.stub, ws_id)
    gateway = Gateway(ws_id, "web", carries_token=True)
    turns = [("hello", "support", -1), ("where is my invoice?", "billing", 0),
             ("thanks", "billing", -1)]
    for i, (message, _, _) in enumerate(turns):
        await gateway.turn(pair[i % 2], message)
    assert [(a.squad.answering_agent_id, a.squad.handoff_rule_index)
            for a in gateway.answers] == [(agent, rule) for _, agent, rule in turns]
    assert gateway.answers[-1].conversation.current_agent_id == "billing"
    gateway.assert_pinned_to(1, "")
    # without the token, on the replica that answered turn 3: its memory has the speaker
    gateway.carries_token = False
    assert (await gateway.turn(pair[0], "ok")).squad.answering_agent_id == "billing"

    for handle in pair:
        recorder = handle.app.recorder
        assert isinstance(recorder, SqlRecorder)
        await recorder.flush()
    got = await pair[1].stub.GetConversation(rpb.GetConversationRequest(
        workspace_id=ws_id, conversation_id=gateway.conversation))
    conversation = got.conversation
    assert (conversation.turn_count, conversation.version, conversation.current_agent_id,
            conversation.channel_id) == (4, 1, "billing", "web")
    assert [(t.index, t.user_message, t.agent_id, t.handoff_rule_index)
            for t in conversation.turns] == [
        (1, "hello", "support", -1), (2, "where is my invoice?", "billing", 0),
        (3, "thanks", "billing", -1), (4, "ok", "billing", -1)]
    assert {t.served_from.reason for t in conversation.turns} == {rpb.SERVE_REASON_PINNED}
    listed = await pair[0].stub.ListConversations(rpb.ListConversationsRequest(
        workspace_id=ws_id, agent_id="billing"))
    assert [c.conversation_id for c in listed.conversations] == [gateway.conversation]
    assert not listed.conversations[0].turns  # GetConversation only


async def _refused(call: Any) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    return str(refused.value.details())


async def test_a_token_is_never_trusted_for_another_conversation_or_workspace(
        config: ConfigHandle, pair: list[RuntimeHandle], ws_id: str) -> None:
    other_ws = f"{ws_id}-b"
    await workspace.seed(config.stub, ws_id)
    await workspace.seed(config.stub, other_ws)
    gateway = Gateway(ws_id, "wa", carries_token=True)
    await gateway.turn(pair[0])
    token = gateway.token
    stub = pair[1].stub
    for request in (
            rpb.ResolveChannelRequest(workspace_id=ws_id, channel_id="wa",
                                      conversation_id="another", conversation_token=token),
            rpb.ResolveChannelRequest(workspace_id=other_ws, channel_id="wa",
                                      conversation_id=gateway.conversation,
                                      conversation_token=token),
            rpb.ResolveChannelRequest(workspace_id=ws_id, channel_id="wa",
                                      conversation_id=gateway.conversation,
                                      conversation_token=token[:-3] + "AAA")):
        assert "conversation_token" in await _refused(stub.ResolveChannel(request))
    assert "conversation_token" in await _refused(stub.ResolveAgent(rpb.ResolveAgentRequest(
        workspace_id=ws_id, agent_id="support", conversation_id="another",
        conversation_token=token)))
    by_agent = await stub.ResolveAgent(rpb.ResolveAgentRequest(
        workspace_id=ws_id, agent_id="support", conversation_id=gateway.conversation,
        conversation_token=token))
    assert by_agent.conversation.turns == 2 and by_agent.conversation_token
