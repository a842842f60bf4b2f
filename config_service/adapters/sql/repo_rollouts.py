"""Staged rollouts, their outbox notices and the outcome counts runtimes forward."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping

from agentconfig.canonical import stable_json
from agentconfig.rollout_guards import OutcomeCounts
from agentconfig.tracing import current_traceparent
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import SqlBase, storable, utc
from config_service.domain.rollouts import Phase, Rollout

_COUNTS = ("conversations", "turns", "errors", "escalations", "negative_feedback",
           "latency_ms_total")


def _values(r: Rollout) -> dict[str, Any]:
    return {"workspace_id": r.workspace_id, "rollout_id": r.rollout_id,
            "sequence": r.sequence, "candidate_version": r.candidate_version,
            "baseline_version": r.baseline_version, "steps": stable_json(list(r.steps)),
            "step_index": r.step_index, "every_seconds": r.every_seconds,
            "step_started_at": r.step_started_at, "channels": stable_json(list(r.channels)),
            "guards": stable_json(list(r.guards)), "created_at": r.created_at,
            "created_by": r.created_by, "phase": r.phase.value, "ended_at": r.ended_at,
            "ended_by": r.ended_by, "end_reason": r.end_reason,
            "end_figures": stable_json(r.end_figures)}


def _rollout(row: RowMapping) -> Rollout:
    return Rollout(
        row["workspace_id"], row["rollout_id"], row["sequence"], row["candidate_version"],
        row["baseline_version"], tuple(json.loads(row["steps"])), row["step_index"],
        row["every_seconds"], utc(row["step_started_at"]),  # type: ignore[arg-type]
        tuple(json.loads(row["channels"])), tuple(json.loads(row["guards"])),
        utc(row["created_at"]), row["created_by"],  # type: ignore[arg-type]
        Phase(row["phase"]), utc(row["ended_at"]), row["ended_by"], row["end_reason"],
        json.loads(row["end_figures"]))


class RolloutSqlStore(SqlBase):
    async def add_rollout(self, rollout: Rollout) -> None:
        await self._conn.execute(insert(t.rollouts).values(_values(rollout)))

    async def save_rollout(self, rollout: Rollout) -> None:
        r = t.rollouts
        await self._conn.execute(update(r).where(
            r.c.workspace_id == rollout.workspace_id, r.c.rollout_id == rollout.rollout_id,
        ).values(_values(rollout)))

    async def get_rollout(self, workspace_id: str, rollout_id: str) -> Rollout | None:
        r = t.rollouts
        if not storable(rollout_id):
            return None
        row = await self._row(select(r).where(r.c.workspace_id == workspace_id,
                                              r.c.rollout_id == rollout_id))
        return _rollout(row) if row else None

    async def latest_rollout(self, workspace_id: str) -> Rollout | None:
        r = t.rollouts
        row = await self._row(select(r).where(r.c.workspace_id == workspace_id)
                              .order_by(r.c.sequence.desc()).limit(1))
        return _rollout(row) if row else None

    async def list_rollouts(self, workspace_id: str, before: int, limit: int,
                            ) -> list[Rollout]:
        r = t.rollouts
        stmt = select(r).where(r.c.workspace_id == workspace_id)
        if before:
            stmt = stmt.where(r.c.sequence < before)
        rows = await self._rows(stmt.order_by(r.c.sequence.desc()).limit(limit))
        return [_rollout(row) for row in rows]

    async def active_rollouts(self, limit: int) -> list[tuple[str, str]]:
        r = t.rollouts
        rows = await self._rows(select(r.c.workspace_id, r.c.rollout_id)
                                .where(r.c.phase == Phase.ACTIVE.value)
                                .order_by(r.c.workspace_id).limit(limit))
        return [(row["workspace_id"], row["rollout_id"]) for row in rows]

    async def add_rollout_notice(self, workspace_id: str, sequence: int) -> None:
        w = t.workspaces
        ws = await self._row(select(w.c.production_version).where(w.c.id == workspace_id))
        version = ws["production_version"] if ws else 0
        v = t.versions
        found = await self._row(select(v.c.content_hash).where(
            v.c.workspace_id == workspace_id, v.c.number == version))
        await self._conn.execute(insert(t.outbox).values(
            workspace_id=workspace_id, version=version,
            content_hash=found["content_hash"] if found else "",
            created_at=datetime.now(UTC), rollout_sequence=sequence,
            traceparent=current_traceparent()))

    async def put_outcomes(self, workspace_id: str, rollout_id: str, reporter: str,
                           version: int, counts: OutcomeCounts) -> None:
        o = t.rollout_outcomes
        values = dict(zip(_COUNTS, counts.as_tuple(), strict=True))
        stmt = self._insert(o).values(workspace_id=workspace_id, rollout_id=rollout_id,
                                      reporter=reporter, version=version,
                                      updated_at=datetime.now(UTC), **values)
        larger = func.greatest if self._dialect == "postgresql" else func.max
        await self._conn.execute(stmt.on_conflict_do_update(
            index_elements=["workspace_id", "rollout_id", "reporter", "version"],
            set_={"updated_at": stmt.excluded.updated_at,
                  **{name: larger(o.c[name], stmt.excluded[name]) for name in _COUNTS}}))

    async def outcome_totals(self, workspace_id: str, rollout_id: str,
                             ) -> dict[int, OutcomeCounts]:
        o = t.rollout_outcomes
        rows = await self._rows(
            select(o.c.version, *[func.sum(o.c[name]).label(name) for name in _COUNTS])
            .where(o.c.workspace_id == workspace_id, o.c.rollout_id == rollout_id)
            .group_by(o.c.version))
        return {row["version"]: OutcomeCounts(*(int(row[name] or 0) for name in _COUNTS))
                for row in rows}
