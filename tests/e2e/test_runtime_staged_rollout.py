"""Issue 12, item 2: a staged rollout changed through two config-service instances (one
database) and served by two runtime replicas with no balancer between them. New
conversations go to the candidate exactly as their bucket says (the same answer on each
replica, and again after a replica restarts); stepping up moves only new conversations;
conversations keep the version they started on (the pin) through a step and an abort; an
abort reaches every replica within the propagation bound; a promote makes the candidate
Production."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agentconfig.rollouts import bucket
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import rollouts_pb2 as ropb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import builders as b
from tests.harness import workspace
from tests.harness.servers import RedisServer
from tests.harness.services import (
    ConfigHandle,
    RuntimeHandle,
    start_config_service,
    start_runtime_service,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SECRET = "rollout-" + uuid.uuid4().hex
BOUND = 5.0  # seconds: a rollout change reaches every replica well within this


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


async def _turn(replica: RuntimeHandle, ws: str, conversation: str) -> rpb.ServedFrom:
    answer = await replica.stub.ResolveChannel(rpb.ResolveChannelRequest(
        workspace_id=ws, channel_id="wa", conversation_id=conversation))
    return answer.served_from


def _ids(ws: str, rollout_id: str, count: int, share: int, inside: bool) -> list[str]:
    """Fresh conversation ids whose bucket is inside (or outside) the share."""
    out: list[str] = []
    while len(out) < count:
        cid = f"c-{uuid.uuid4().hex[:10]}"
        if (bucket(ws, rollout_id, cid) < share) == inside:
            out.append(cid)
    return out


async def _until(pair: list[RuntimeHandle], ws: str, rollout_id: str, share: int,
                 version: int) -> float:
    """Seconds until every replica gives a fresh conversation inside ``share`` ``version``:
    the candidate once the rollout reached it, Production once an abort did."""
    started = time.monotonic()
    for replica in pair:
        while True:
            [cid] = _ids(ws, rollout_id, 1, share, True)
            if (await _turn(replica, ws, cid)).version == version:
                break
            assert time.monotonic() - started < BOUND, "the rollout did not reach a replica"
            await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _assigned(pair: list[RuntimeHandle], ws: str, rollout_id: str, share: int,
                    ids: list[str]) -> dict[str, int]:
    """First turns, alternating replicas: each conversation's version matches its bucket."""
    served: dict[str, int] = {}
    for i, cid in enumerate(ids):
        answer = await _turn(pair[i % 2], ws, cid)
        expected = 2 if bucket(ws, rollout_id, cid) < share else 1
        assert answer.version == expected, (cid, answer)
        assert answer.reason == (rpb.SERVE_REASON_ROLLOUT if expected == 2
                                 else rpb.SERVE_REASON_PINNED)
        served[cid] = answer.version
    return served


async def _still_pinned(pair: list[RuntimeHandle], ws: str, served: dict[str, int]) -> None:
    for i, (cid, version) in enumerate(served.items()):
        answer = await _turn(pair[(i + 1) % 2], ws, cid)  # the other replica
        assert (answer.version, answer.reason) == (version, rpb.SERVE_REASON_PINNED), cid


@pytest_asyncio.fixture(loop_scope="session")
async def second(postgres_url: str, redis_server: RedisServer,
                 config: ConfigHandle) -> AsyncIterator[ConfigHandle]:
    """Another config-service instance on the same database, with its own relay."""
    handle = await start_config_service(postgres_url, redis_server.url, migrate=False)
    yield handle
    await handle.stop()


async def test_staged_rollout_across_replicas(config: ConfigHandle, second: ConfigHandle,
                                              pair: list[RuntimeHandle],
                                              redis_server: RedisServer, postgres_url: str,
                                              tmp_path: Path, ws_id: str) -> None:
    stub, other = config.stub, second.stub
    await workspace.seed(stub, ws_id)
    draft = (await stub.GetDraft(cpb.GetDraftRequest(workspace_id=ws_id))).draft
    support = await stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws_id, kind=pb.ENTITY_KIND_AGENT, entity_id="support"))
    edited = await stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws_id, entity=b.agent("support", instructions="Be brief.",
                                           tool_ids=["weather"],
                                           conditional_prompt_ids=["vip", "pt"],
                                           greeting="Hi! How can I help?"),
        etag=support.entity.etag))
    assert edited.draft_revision == draft.revision + 1
    staged = await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws_id, reviewed_revision=edited.draft_revision, stage_only=True))
    assert staged.version.number == 2
    for replica in pair:  # both serve v1 before the rollout
        assert (await _turn(replica, ws_id, f"warm-{uuid.uuid4().hex}")).version == 1

    rollout = (await stub.StartRollout(ropb.StartRolloutRequest(
        workspace_id=ws_id, candidate_version=2, steps_bp=[1000, 5000, 10_000]))).rollout
    rid = rollout.rollout_id
    await _until(pair, ws_id, rid, 1000, 2)
    first = await _assigned(pair, ws_id, rid, 1000, _ids(ws_id, rid, 10, 1000, True)
                            + _ids(ws_id, rid, 30, 1000, False))

    await other.AdvanceRollout(ropb.AdvanceRolloutRequest(workspace_id=ws_id, rollout_id=rid))
    await _until(pair, ws_id, rid, 5000, 2)
    await _still_pinned(pair, ws_id, first)  # a step moves only new conversations
    stepped = await _assigned(pair, ws_id, rid, 5000, _ids(ws_id, rid, 20, 5000, True)
                             + _ids(ws_id, rid, 20, 5000, False))

    await pair[1].stop()  # a replica restarted mid-rollout assigns the same way
    pair[1] = await _replica(config, redis_server, postgres_url, tmp_path, 1)
    await _assigned(pair, ws_id, rid, 5000, _ids(ws_id, rid, 10, 5000, True)
                    + _ids(ws_id, rid, 10, 5000, False))

    await other.AbortRollout(ropb.AbortRolloutRequest(workspace_id=ws_id, rollout_id=rid))
    took = await _until(pair, ws_id, rid, 5000, 1)
    assert took < BOUND
    for cid in _ids(ws_id, rid, 20, 5000, True):  # the candidate's share gets Production
        assert (await _turn(pair[0], ws_id, cid)).version == 1
    await _still_pinned(pair, ws_id, first | stepped)  # started on v2: stay on v2
    aborted = (await stub.GetRollout(ropb.GetRolloutRequest(workspace_id=ws_id))).rollout
    deadline = time.monotonic() + BOUND
    while True:  # each replica reports the rollout state it serves by
        status = await stub.GetRolloutStatus(cpb.GetRolloutStatusRequest(workspace_id=ws_id))
        reported = {r.replica_id: r.rollout_sequence for r in status.replicas}
        if len(reported) == 2 and min(reported.values()) == aborted.sequence:
            break
        assert time.monotonic() < deadline, reported
        await asyncio.sleep(0.1)

    again = (await other.StartRollout(ropb.StartRolloutRequest(
        workspace_id=ws_id, candidate_version=2, steps_bp=[5000]))).rollout
    await stub.PromoteRollout(ropb.PromoteRolloutRequest(workspace_id=ws_id,
                                                         rollout_id=again.rollout_id))
    for replica in pair:
        deadline = time.monotonic() + BOUND
        while (await _turn(replica, ws_id, f"new-{uuid.uuid4().hex}")).version != 2:
            assert time.monotonic() < deadline, "the promote did not reach a replica"
            await asyncio.sleep(0.02)
