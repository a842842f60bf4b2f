"""Issue 11, the config-service rows: what a one-entity change costs in a 10,000-entity
workspace against a 100-entity one (PublishDraft, DiffDraft, ValidateDraft), the bulk apply
and first publish of 10,000 entities, and storage after 1,000 one-entity publishes against
after v1.

The use cases run in this process on a real Postgres (tests/harness), without gRPC, so the
ratios are of the service's own work (the RPC's fixed cost would only flatten them). The two
sizes alternate round by round so a disturbance of the shared machine hits both; medians and
the min-max spread are printed. Run: .venv/bin/python -m benchmarks.publish_bench
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from config_service.adapters.sql.engine import make_engine, migrate
from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import drafts, history, publishing, workspaces
from config_service.service.drafts import EntityInput
from config_service.service.ports import Announcer
from tests.harness.servers import PostgresServer

SMALL, LARGE = 100, 10_000


class _Quiet(Announcer):
    def poke(self) -> None:
        return None


def entity(i: int, text: str = "v0") -> EntityInput:
    """A mix with references: per hundred, 20 tools, 30 agents using two tools each, 45
    components and 5 squads of two agents."""
    base, slot = i - i % 100, i % 100
    if slot < 20:
        spec: dict[str, Any] = {
            "name": f"tool_{i}", "description": text, "method": "HTTP_METHOD_POST",
            "endpoint_url": f"https://tools.example.com/{i}", "timeout_ms": 3000,
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}}}
        return EntityInput("tool", f"t-{i}", spec, "entity")
    if slot < 50:
        return EntityInput("agent", f"a-{i}", {
            "name": f"Agent {i}", "instructions": f"Help politely ({text}).", "model": "m",
            "tool_ids": [f"t-{base + slot % 20}", f"t-{base + (slot + 1) % 20}"]}, "entity")
    if slot < 95:
        return EntityInput("component", f"c-{i}", {"name": f"C{i}", "template": text,
                                                   "type": "COMPONENT_TYPE_CARD"}, "entity")
    members = [f"a-{base + 20 + slot % 30}", f"a-{base + 21 + slot % 29}"]
    return EntityInput("squad", f"s-{i}", {"name": f"Squad {i}", "member_agent_ids": members,
                                           "entry_agent_id": members[0]}, "entity")


async def ms(step: Callable[[], Awaitable[object]]) -> float:
    start = time.perf_counter()
    await step()
    return (time.perf_counter() - start) * 1000


async def publish(uowf: SqlUnitOfWorkFactory, ws: str, revision: int) -> None:
    await publishing.publish(uowf, _Quiet(), publishing.PublishRequest(
        ws, "bench", "bench", "", reviewed_revision=revision))


async def fill(uowf: SqlUnitOfWorkFactory, ws: str, size: int) -> tuple[float, float]:
    """A new workspace of ``size`` entities, published: (apply ms, first publish ms)."""
    await workspaces.create_workspace(uowf, ws, "")
    holder: dict[str, int] = {}

    async def apply() -> None:
        holder["rev"] = (await drafts.apply(uowf, ws, [entity(i) for i in range(size)], [],
                                            0, False, "bench"))[1]
    applied = await ms(apply)
    return applied, await ms(lambda: publish(uowf, ws, holder["rev"]))


async def one_change(uowf: SqlUnitOfWorkFactory, ws: str, n: int) -> dict[str, float]:
    """Change one agent, then time ValidateDraft, DiffDraft and PublishDraft."""
    _, revision = await drafts.apply(uowf, ws, [entity(20, f"r{n}")], [], 0, False, "bench")
    return {"ValidateDraft": await ms(lambda: drafts.validate(uowf, ws)),
            "DiffDraft": await ms(lambda: history.diff_draft(uowf, ws)),
            "PublishDraft": await ms(lambda: publish(uowf, ws, revision))}


def row(label: str, small: list[float], large: list[float]) -> str:
    s, g = statistics.median(small), statistics.median(large)
    return (f"  {label:<15}{s:>8.1f} ms ({min(small):.1f}-{max(small):.1f}){g:>10.1f} ms "
            f"({min(large):.1f}-{max(large):.1f}){g / s:>8.2f}x")


async def analyze(engine: AsyncEngine) -> None:
    """Fresh statistics, as autovacuum keeps them on a live database: with none, the planner
    takes 10,000 rows for a handful."""
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))


async def one_change_rows(engine: AsyncEngine, uowf: SqlUnitOfWorkFactory, rounds: int,
                          ) -> None:
    for size in (SMALL, LARGE):
        await fill(uowf, f"one-{size}", size)
    await analyze(engine)
    found: dict[int, list[dict[str, float]]] = {SMALL: [], LARGE: []}
    for n in range(rounds + 1):
        order = (SMALL, LARGE) if n % 2 else (LARGE, SMALL)
        for size in order:
            result = await one_change(uowf, f"one-{size}", n)
            if n:  # the first round warms caches and is dropped
                found[size].append(result)
    print(f"One-entity change, {LARGE:,} ÷ {SMALL} entities ({rounds} alternating rounds, "
          "median (min-max)):")
    for step in ("PublishDraft", "DiffDraft", "ValidateDraft"):
        print(row(step, [r[step] for r in found[SMALL]], [r[step] for r in found[LARGE]]))


async def bulk_rows(uowf: SqlUnitOfWorkFactory, rounds: int) -> None:
    runs = [await fill(uowf, f"bulk-{n}", LARGE) for n in range(rounds)]
    print(f"Bulk, {LARGE:,} entities ({rounds} rounds, median (min-max)):")
    for i, label in enumerate(("Apply", "first Publish")):
        got = [r[i] / 1000 for r in runs]
        print(f"  {label:<15}{statistics.median(got):>8.2f} s ({min(got):.2f}-{max(got):.2f})")


async def stored_bytes(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM"))
        return int((await conn.execute(text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
            "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'")))
            .scalar_one())


async def storage_row(pg: PostgresServer, entities: int, publishes: int) -> None:
    engine = make_engine(pg.create_database("storage_bench"))
    await migrate(engine)
    uowf = SqlUnitOfWorkFactory(engine)
    await fill(uowf, "storage", entities)
    after_v1 = await stored_bytes(engine)
    for n in range(publishes):
        changed = entity((n % (entities // 100)) * 100 + 50 + n % 45, f"p{n}")  # a component
        _, revision = await drafts.apply(uowf, "storage", [changed], [], 0, False, "bench")
        await publish(uowf, "storage", revision)
    after = await stored_bytes(engine)
    print(f"Storage (sum of pg_total_relation_size after VACUUM), {entities:,} entities: "
          f"v1 {after_v1 / 1e6:.2f} MB, after {publishes:,} one-entity publishes "
          f"{after / 1e6:.2f} MB: {after / after_v1:.2f}x")
    await engine.dispose()


async def run(args: argparse.Namespace) -> None:
    pg = PostgresServer().start()
    try:
        engine = make_engine(pg.create_database("publish_bench"))
        await migrate(engine)
        uowf = SqlUnitOfWorkFactory(engine)
        await one_change_rows(engine, uowf, args.rounds)
        await bulk_rows(uowf, args.bulk_rounds)
        await engine.dispose()
        await storage_row(pg, 1000, args.publishes)
    finally:
        pg.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--bulk-rounds", type=int, default=3)
    parser.add_argument("--publishes", type=int, default=1000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
