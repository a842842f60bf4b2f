"""The notice carries the relay's trace context as ``traceparent``: outside the delta's
signature (a replica that predates it verifies the same text; a forged one can only
mislabel a span), dropped when malformed without refusing the notice, and a notice without
one, as older config services send, still reloads, in a trace of its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from agentconfig import tracing
from agentconfig.bus import ProductionMove
from tests.unit.test_runtime_notices import HASH, _Flaky, _loader

PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
KEY = b"k" * 32


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracing.install(provider)
    try:
        yield exporter
    finally:
        tracing.uninstall()


def _json(**fields: object) -> str:
    return json.dumps({"workspace_id": "ws-a", "version": 3, "content_hash": HASH} | fields)


def test_the_traceparent_travels_and_is_not_signed() -> None:
    signed = ProductionMove("ws-a", 3, HASH).signed('{"d": 1}', KEY)
    carried = ProductionMove.from_json(
        ProductionMove("ws-a", 3, HASH, signed.delta, signed.signature, PARENT).to_json())
    assert carried.traceparent == PARENT and carried.delta_verifies(KEY)
    assert json.loads(signed.to_json()).keys() == {"workspace_id", "version", "content_hash",
                                                   "delta", "signature"}


@pytest.mark.parametrize("bad", ["", "junk", 7, None, PARENT.upper(), PARENT + "-00"])
def test_a_malformed_traceparent_is_dropped_not_the_notice(bad: object) -> None:
    move = ProductionMove.from_json(_json(traceparent=bad))
    assert move == ProductionMove("ws-a", 3, HASH)


async def _reload(tmp_path: Path, move_of: str) -> tuple[ProductionMove, int]:
    config = _Flaky()
    config.published = True
    loader = _loader(config, tmp_path)
    await loader.ensure("ws-a")
    v3 = await config.version("ws-a", 3)
    move = ProductionMove.from_json(move_of.replace(HASH, v3.content_hash))
    loader.on_move(move)
    for _ in range(200):  # bounded wait for the background reload
        state = loader.store.get("ws-a")
        if state is not None and state.current is not None and state.current.version == 3 \
                and not loader._tasks:
            break
        await asyncio.sleep(0.01)
    state = loader.store.get("ws-a")
    assert state is not None and state.current is not None
    return move, state.current.version


async def test_an_old_notice_without_traceparent_still_reloads(
        tmp_path: Path, spans: InMemorySpanExporter) -> None:
    move, served = await _reload(tmp_path, _json())
    assert (move.traceparent, served) == ("", 3)
    reload = [s for s in spans.get_finished_spans() if s.name == "reload"]
    assert len(reload) == 1 and reload[0].parent is None  # a trace of its own


async def test_a_reload_continues_the_notices_trace(
        tmp_path: Path, spans: InMemorySpanExporter) -> None:
    _, served = await _reload(tmp_path, _json(traceparent=PARENT))
    assert served == 3
    reload = next(s for s in spans.get_finished_spans() if s.name == "reload")
    assert reload.parent is not None
    assert format(reload.context.trace_id, "032x") == PARENT.split("-")[1]
    assert format(reload.parent.span_id, "016x") == PARENT.split("-")[2]


async def test_without_tracing_a_reload_records_nothing(tmp_path: Path) -> None:
    assert not tracing.enabled()
    _, served = await _reload(tmp_path, _json(traceparent=PARENT))
    assert served == 3 and tracing.current_traceparent() == ""
