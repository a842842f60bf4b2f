"""Issue 13: one conformance table runs against the runtime (over gRPC) and the client SDK's
LocalResolver (in-process); each case must give the table's answer from both, and the two
whole answers must be equal (served_from included), so they can never drift."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.protobuf.message import Message

from agentconfig import errors
from agentconfig.client import LocalResolver, from_rpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e import sdk_table
from tests.harness.servers import RedisServer
from tests.harness.services import ConfigHandle, RuntimeHandle, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
Answer = Message | dict[str, str]


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def table_world(config: ConfigHandle, redis_server: RedisServer,
                      tmp_path_factory: pytest.TempPathFactory,
                      ) -> AsyncIterator[tuple[RuntimeHandle, LocalResolver]]:
    ws = "ws-conformance-" + tmp_path_factory.mktemp("x").name[-6:]
    await sdk_table.seed(config.stub, ws)
    runtime = await start_runtime_service(config.address, redis_server.url,
                                          str(tmp_path_factory.mktemp("runtime")))
    resolver = LocalResolver(ws, f"127.0.0.1:{runtime.server.port}")
    await resolver.start()
    bound = {c.channel_id for c in sdk_table.channels()}
    for _ in range(500):  # bindings made after the publish arrive on the stream
        if all(_bound(resolver, c) for c in bound):
            break
        await asyncio.sleep(0.01)
    yield runtime, resolver
    await resolver.close()
    await runtime.stop()


def _bound(resolver: LocalResolver, channel_id: str) -> bool:
    try:
        resolver.resolve_channel(channel_id)
    except errors.NotFound:
        return False
    return True


async def _runtime(runtime: RuntimeHandle, ws: str, case: dict[str, Any]) -> Answer:
    try:
        if "channel" in case:
            return await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
                workspace_id=ws, channel_id=case["channel"], context=sdk_table.context(case)))
        return await runtime.stub.ResolveAgent(rpb.ResolveAgentRequest(
            workspace_id=ws, agent_id=case["agent"], context=sdk_table.context(case)))
    except grpc.RpcError as exc:
        return sdk_table.error_summary(from_rpc(exc))


def _local(resolver: LocalResolver, case: dict[str, Any]) -> Answer:
    try:
        if "channel" in case:
            return resolver.resolve_channel(case["channel"], sdk_table.context(case))
        return resolver.resolve_agent(case["agent"], sdk_table.context(case))
    except errors.AgentConfigError as exc:
        return sdk_table.error_summary(exc)


def _judged(answer: Answer, case: dict[str, Any]) -> dict[str, Any]:
    if isinstance(answer, dict):
        return {"error": answer}
    assert isinstance(answer, rpb.ResolveChannelResponse | rpb.ResolveAgentResponse)
    return {"expect": sdk_table.summary(answer, case.get("expect", {}))}


def _want(case: dict[str, Any]) -> dict[str, Any]:
    return {"error": case["error"]} if "error" in case else {"expect": case["expect"]}


@pytest.mark.parametrize("case", sdk_table.CASES, ids=[c["name"] for c in sdk_table.CASES])
async def test_runtime_and_sdk_give_the_table_answer(
        table_world: tuple[RuntimeHandle, LocalResolver], case: dict[str, Any]) -> None:
    runtime, resolver = table_world
    remote = await _runtime(runtime, resolver.workspace_id, case)
    local = _local(resolver, case)
    assert _judged(remote, case) == _want(case), "the runtime differs from the table"
    assert _judged(local, case) == _want(case), "the SDK differs from the table"
    assert local == remote, "the SDK's whole answer differs from the runtime's"
    if isinstance(local, rpb.ResolveChannelResponse | rpb.ResolveAgentResponse):
        assert local.served_from.reason == rpb.SERVE_REASON_PRODUCTION


def test_the_table_covers_both_calls_and_errors() -> None:
    kinds = {("channel" in c, "error" in c) for c in sdk_table.CASES}
    assert kinds == {(True, True), (True, False), (False, True), (False, False)}
    assert Path(sdk_table.__file__).exists()
