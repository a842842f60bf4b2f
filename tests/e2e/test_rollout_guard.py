"""Issue 12, item 4: gateways report turn outcomes to a runtime replica, which forwards
compact counts; a guard that trips on them aborts the rollout by itself (audited, with the
figures), and one whose figures stay within bounds leaves it running."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from google.protobuf import json_format

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
GUARD = "error_rate > production + 2%, min 10"
OK, ERROR = rpb.TURN_OUTCOME_OK, rpb.TURN_OUTCOME_ERROR


@pytest_asyncio.fixture(loop_scope="session")
async def services(postgres_url: str, redis_server: RedisServer, pg_engine: object,
                   tmp_path: Path) -> AsyncIterator[tuple[ConfigHandle, RuntimeHandle]]:
    config = await start_config_service(postgres_url, redis_server.url,
                                        rollout_tick_seconds=0.2)
    runtime = await start_runtime_service(config.address, redis_server.url,
                                          str(tmp_path / "rt"))
    yield config, runtime
    await runtime.stop()
    await config.stop()


async def _rollout(config: ConfigHandle, runtime: RuntimeHandle, ws: str) -> ropb.Rollout:
    """v1 live, v2 staged and rolled out to half of new conversations with the guard; the
    replica knows it (a fresh in-share conversation gets v2)."""
    stub = config.stub
    await workspace.seed(stub, ws)
    support = await stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws, kind=pb.ENTITY_KIND_AGENT, entity_id="billing"))
    edited = await stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws, entity=b.agent("billing", name="Billing", instructions="Terse."),
        etag=support.entity.etag))
    await stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=edited.draft_revision, stage_only=True))
    rollout = (await stub.StartRollout(ropb.StartRolloutRequest(
        workspace_id=ws, candidate_version=2, steps_bp=[10_000], guards=[GUARD]))).rollout
    deadline = time.monotonic() + 5
    while (await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
            workspace_id=ws, channel_id="wa", conversation_id=f"p-{uuid.uuid4().hex}",
    ))).served_from.version != 2:
        assert time.monotonic() < deadline, "the replica never learned of the rollout"
        await asyncio.sleep(0.05)
    return rollout


async def _report(runtime: RuntimeHandle, ws: str, version: int, errors: int) -> int:
    """20 conversations of 5 turns each on ``version``, ``errors`` of the 100 turns failed."""
    events = [rpb.OutcomeEvent(conversation_id=f"{version}-{i // 5}", version=version,
                               outcome=ERROR if i < errors else OK, latency_ms=300)
              for i in range(100)]
    answer = await runtime.stub.ReportOutcomes(rpb.ReportOutcomesRequest(
        workspace_id=ws, events=events))
    return answer.accepted


async def _phase(config: ConfigHandle, ws: str, rollout_id: str) -> ropb.GetRolloutResponse:
    return await config.stub.GetRollout(ropb.GetRolloutRequest(workspace_id=ws,
                                                               rollout_id=rollout_id))


async def test_a_tripped_guard_aborts_the_rollout(
        services: tuple[ConfigHandle, RuntimeHandle], ws_id: str) -> None:
    config, runtime = services
    rollout = await _rollout(config, runtime, ws_id)
    assert await _report(runtime, ws_id, 2, errors=10) == 100  # 10 % on the candidate
    assert await _report(runtime, ws_id, 1, errors=1) == 100  # 1 % on Production
    assert await _report(runtime, ws_id, 7, errors=50) == 0  # not a version of the rollout
    deadline = time.monotonic() + 10
    while (found := await _phase(config, ws_id, rollout.rollout_id)).rollout.phase \
            == ropb.ROLLOUT_PHASE_ACTIVE:
        assert time.monotonic() < deadline, "the guard never tripped"
        await asyncio.sleep(0.1)
    ended = found.rollout
    assert ended.phase == ropb.ROLLOUT_PHASE_ABORTED and ended.ended_by == "rollout-controller"
    assert "candidate 10.00% over 20 conversations, production 1.00%" in ended.end_reason
    counts = {o.version: o.counts for o in found.outcomes}
    assert (counts[2].conversations, counts[2].turns, counts[2].errors) == (20, 100, 10)
    events = await config.stub.ListAuditEvents(cpb.ListAuditEventsRequest(workspace_id=ws_id))
    abort = next(e for e in events.events if e.action == "rollout.abort")
    details = json_format.MessageToDict(abort.details)
    assert details["automatic"] is True and details["figures"]["candidate_rate"] == 0.1


async def test_outcomes_within_bounds_leave_it_running(
        services: tuple[ConfigHandle, RuntimeHandle], ws_id: str) -> None:
    config, runtime = services
    rollout = await _rollout(config, runtime, ws_id)
    await _report(runtime, ws_id, 2, errors=3)  # 3 % against 1 %: +2 points, not more
    await _report(runtime, ws_id, 1, errors=1)
    deadline = time.monotonic() + 10
    while not (found := await _phase(config, ws_id, rollout.rollout_id)).outcomes:
        assert time.monotonic() < deadline, "the counts never arrived"
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # several controller passes
    found = await _phase(config, ws_id, rollout.rollout_id)
    assert found.rollout.phase == ropb.ROLLOUT_PHASE_ACTIVE
    assert {o.version: o.counts.turns for o in found.outcomes} == {1: 100, 2: 100}
