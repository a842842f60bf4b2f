"""Issue 13, the SDK's local resolver against real services: it follows a publish within
the propagation bound (figure printed), follows a channel rebound without a publish, keeps
answering while the runtime and the config service are both down, starts from its disk
copy while they are, refuses a damaged copy, and has a synchronous flavour."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from agentconfig import errors
from agentconfig.client import LocalResolver, SyncLocalResolver
from agentconfig.client.local_copy import _path
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e import sdk_table
from tests.harness import builders as b
from tests.harness.servers import RedisServer
from tests.harness.services import (
    ConfigHandle,
    RuntimeHandle,
    start_config_service,
    start_runtime_service,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest_asyncio.fixture(loop_scope="session")
async def stack(postgres_url: str, redis_server: RedisServer, pg_engine: object,
                tmp_path: Path) -> AsyncIterator[tuple[ConfigHandle, RuntimeHandle]]:
    """A config service and a runtime of this test's own: some tests stop them."""
    config = await start_config_service(postgres_url, redis_server.url)
    runtime = await start_runtime_service(config.address, redis_server.url,
                                          str(tmp_path / "runtime"))
    handles: list[ConfigHandle | RuntimeHandle] = [config, runtime]
    yield config, runtime
    for handle in reversed(handles):
        with contextlib.suppress(Exception):  # a test stopped it already
            await handle.stop()


def _target(runtime: RuntimeHandle) -> str:
    return f"127.0.0.1:{runtime.server.port}"


async def _publish(config: ConfigHandle, ws: str, instructions: str) -> int:
    draft = await config.stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws, kind=pb.ENTITY_KIND_AGENT, entity_id="sales"))
    entity = b.agent("sales", name="Sales", instructions=instructions)
    updated = await config.stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws, entity=entity, etag=draft.entity.etag))
    published = await config.stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=updated.draft_revision, message="m"))
    return published.version.number


async def test_follows_publishes_and_rebinding(
        stack: tuple[ConfigHandle, RuntimeHandle], ws_id: str) -> None:
    config, runtime = stack
    await sdk_table.seed(config.stub, ws_id)
    async with LocalResolver(ws_id, _target(runtime)) as resolver:
        assert resolver.resolve_agent("sales").agent.effective_instructions == "You sell plans."
        lags = []
        for n in range(5):
            version = await _publish(config, ws_id, f"Sell plan {n}.")
            started = time.perf_counter()
            async with asyncio.timeout(10):
                await resolver.wait_for_version(version)
            lags.append(time.perf_counter() - started)
            assert resolver.resolve_agent("sales").agent.effective_instructions == \
                f"Sell plan {n}."
        print(f"\npublish -> SDK serving: median {sorted(lags)[2] * 1000:.1f} ms, "
              f"max {max(lags) * 1000:.1f} ms over {len(lags)} publishes")

        channel = await config.stub.GetChannel(cpb.GetChannelRequest(workspace_id=ws_id,
                                                                     channel_id="ig"))
        rebound = cpb.Channel()
        rebound.CopyFrom(channel.channel)
        rebound.target_id = "sales"
        await config.stub.UpdateChannel(cpb.UpdateChannelRequest(workspace_id=ws_id,
                                                                 channel=rebound))
        for _ in range(1000):  # the rebinding reaches the runtime, then its stream
            if resolver.resolve_channel("ig").agent.agent_id == "sales":
                break
            await asyncio.sleep(0.01)
        assert resolver.resolve_channel("ig").agent.agent_id == "sales"
        assert resolver.version == version  # bindings are live data: no new version


async def test_keeps_answering_with_both_services_down_and_restarts_from_disk(
        stack: tuple[ConfigHandle, RuntimeHandle], ws_id: str, tmp_path: Path) -> None:
    config, runtime = stack
    await sdk_table.seed(config.stub, ws_id)
    cache = tmp_path / "gateway"
    resolver = await LocalResolver(ws_id, _target(runtime), cache_dir=cache).start()
    context = rpb.ConversationContext(message="my invoice")
    before = resolver.resolve_channel("web", context)
    target = _target(runtime)
    await runtime.stop()
    await config.stop()
    for _ in range(1000):
        assert resolver.resolve_channel("web", context) == before
    await asyncio.sleep(0.5)  # the stream fails and retries meanwhile
    assert resolver.resolve_channel("web", context).agent.agent_id == "billing"
    await resolver.close()

    restarted = await LocalResolver(ws_id, target, cache_dir=cache).start()
    assert restarted.resolve_channel("web", context) == before
    assert restarted.served_from == before.served_from
    await restarted.close()

    path = _path(cache, ws_id)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(errors.Unavailable):
        await LocalResolver(ws_id, target, cache_dir=cache).start()
    with pytest.raises(errors.Unavailable):
        await LocalResolver(ws_id, target).start()  # no copy at all


async def test_the_synchronous_flavour(stack: tuple[ConfigHandle, RuntimeHandle],
                                       ws_id: str) -> None:
    config, runtime = stack
    await sdk_table.seed(config.stub, ws_id)
    target = _target(runtime)

    def gateway() -> tuple[str, int]:
        with SyncLocalResolver(ws_id, target) as resolver:
            answers: list[str] = []
            threads = [threading.Thread(target=lambda: answers.append(
                resolver.resolve_channel("wa").agent.agent_id)) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert answers == ["support"] * 8
            version = asyncio.run_coroutine_threadsafe(
                _publish(config, ws_id, "Synchronously."), loop).result(10)
            resolver.wait_for_version(version)
            return resolver.resolve_agent("sales").agent.effective_instructions, version

    loop = asyncio.get_running_loop()
    instructions, version = await asyncio.to_thread(gateway)
    assert (instructions, version) == ("Synchronously.", 2)
