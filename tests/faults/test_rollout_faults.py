"""Issue 12, item 2 under faults, with real processes: a runtime replica SIGKILLed in the
middle of a staged rollout and started again assigns new conversations exactly as before
(its bucket, the rollout state it kept on disk and refreshed), conversations that started
keep their version on both replicas, and the gateways' channel reads never fail."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import pytest

from agentconfig.rollouts import bucket
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import rollouts_pb2 as ropb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from tests.faults.world import FIGURES, World, auth
from tests.harness import workspace

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SHARE = 5000


async def _turn(world: World, replica: str, conversation: str) -> rpb.ServedFrom:
    async with grpc.aio.insecure_channel(world.replica(replica).address) as channel:
        answer = await rgrpc.RuntimeServiceStub(channel).ResolveChannel(
            rpb.ResolveChannelRequest(workspace_id=world.workspace_id, channel_id="web",
                                      conversation_id=conversation),
            metadata=auth(world.channel_key), timeout=10)
    return answer.served_from


def _ids(count: int) -> list[str]:
    return [f"k-{uuid.uuid4().hex[:10]}" for _ in range(count)]


def _inside(workspace_id: str, rollout_id: str) -> str:
    """A fresh conversation id in the candidate's share."""
    while bucket(workspace_id, rollout_id, cid := f"p-{uuid.uuid4().hex}") >= SHARE:
        pass
    return cid


def _expected(world: World, rollout_id: str, conversation: str, candidate: int,
              production: int) -> int:
    inside = bucket(world.workspace_id, rollout_id, conversation) < SHARE
    return candidate if inside else production


async def test_a_killed_replica_assigns_as_before(world: World) -> None:
    ws = world.workspace_id
    production = (await world.stub.GetWorkspace(cpb.GetWorkspaceRequest(
        workspace_id=ws))).workspace.production_version
    applied = await world.stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=workspace.entities("Candidate text.")))
    candidate = (await world.stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=applied.draft_revision, message="candidate",
        stage_only=True))).version.number
    rollout = (await world.stub.StartRollout(ropb.StartRolloutRequest(
        workspace_id=ws, candidate_version=candidate, steps_bp=[SHARE]))).rollout
    rid = rollout.rollout_id
    try:
        started = time.monotonic()
        for name in ("r1", "r2"):  # until each replica knows the rollout
            while True:
                if (await _turn(world, name, _inside(ws, rid))).version == candidate:
                    break
                assert time.monotonic() - started < 20, world.logs()[-3000:]
                await asyncio.sleep(0.05)
        before: dict[str, int] = {}
        for i, cid in enumerate(_ids(30)):
            served = await _turn(world, ("r1", "r2")[i % 2], cid)
            assert served.version == _expected(world, rid, cid, candidate, production)
            before[cid] = served.version

        since = time.monotonic()
        world.gateways["r2"].paused = True
        world.replica("r2").kill()
        await world.replica("r2").astart()
        world.gateways["r2"].paused = False
        FIGURES.append(("runtime SIGKILLed mid-rollout", "assignments unchanged after restart"))

        for cid, version in before.items():  # started conversations keep their version
            assert (await _turn(world, "r2", cid)).version == version, cid
        for cid in _ids(30):  # new ones: by their bucket, as before the kill
            served = await _turn(world, "r2", cid)
            assert served.version == _expected(world, rid, cid, candidate, production), cid
        assert not world.failures(since) and not world.backwards()
    finally:
        await world.stub.AbortRollout(ropb.AbortRolloutRequest(workspace_id=ws,
                                                               rollout_id=rid))
