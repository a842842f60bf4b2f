"""Scheduled publishes and their frozen content."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import RowMapping

from agentconfig.canonical import stable_json
from config_service.adapters.sql import tables as t
from config_service.adapters.sql.rows import SqlBase, storable, utc
from config_service.domain.model import Key
from config_service.domain.schedules import Schedule, ScheduledRollout, ScheduleState


def _rollout_json(r: ScheduledRollout | None) -> str:
    if r is None:
        return ""
    return stable_json({"steps": list(r.steps), "every_seconds": r.every_seconds,
                        "channels": list(r.channels), "guards": list(r.guards)})


def _rollout_from(text: str) -> ScheduledRollout | None:
    if not text:
        return None
    d = json.loads(text)
    return ScheduledRollout(tuple(d["steps"]), d["every_seconds"], tuple(d["channels"]),
                            tuple(d["guards"]))


def _state_values(s: Schedule) -> dict[str, Any]:
    return {"state": s.state.value, "finished_at": s.finished_at,
            "result_version": s.result_version, "rollout_id": s.rollout_id,
            "outcome_reason": s.outcome_reason, "outcome": s.outcome}


def _schedule(row: RowMapping) -> Schedule:
    return Schedule(
        row["workspace_id"], row["schedule_id"], utc(row["run_at"]),  # type: ignore[arg-type]
        row["reviewed_revision"], row["content_hash"], row["entity_count"], row["message"],
        row["created_by"], utc(row["created_at"]),  # type: ignore[arg-type]
        _rollout_from(row["rollout"]), ScheduleState(row["state"]), utc(row["finished_at"]),
        row["result_version"], row["rollout_id"], row["outcome_reason"], row["outcome"])


class ScheduleSqlStore(SqlBase):
    async def add_schedule(self, schedule: Schedule, manifest: dict[Key, str]) -> None:
        s = schedule
        await self._conn.execute(insert(t.schedules).values(
            schedule_id=s.schedule_id, workspace_id=s.workspace_id, run_at=s.run_at,
            reviewed_revision=s.reviewed_revision, content_hash=s.content_hash,
            entity_count=s.entity_count, message=s.message, created_by=s.created_by,
            created_at=s.created_at, rollout=_rollout_json(s.rollout), **_state_values(s)))
        if manifest:
            await self._conn.execute(insert(t.schedule_entities), [
                {"schedule_id": s.schedule_id, "kind": k, "entity_id": i, "content_hash": h}
                for (k, i), h in manifest.items()])

    async def save_schedule(self, schedule: Schedule) -> None:
        s = t.schedules
        await self._conn.execute(update(s).where(
            s.c.schedule_id == schedule.schedule_id).values(_state_values(schedule)))

    async def get_schedule(self, workspace_id: str, schedule_id: str) -> Schedule | None:
        s = t.schedules
        if not storable(schedule_id):
            return None
        row = await self._row(select(s).where(s.c.workspace_id == workspace_id,
                                              s.c.schedule_id == schedule_id))
        return _schedule(row) if row else None

    async def schedule_manifest(self, schedule_id: str) -> dict[Key, str]:
        e = t.schedule_entities
        rows = await self._rows(select(e).where(e.c.schedule_id == schedule_id))
        return {(r["kind"], r["entity_id"]): r["content_hash"] for r in rows}

    async def list_schedules(self, workspace_id: str, offset: int, limit: int,
                             ) -> list[Schedule]:
        s = t.schedules
        rows = await self._rows(select(s).where(s.c.workspace_id == workspace_id)
                                .order_by(s.c.created_at.desc(), s.c.schedule_id)
                                .offset(offset).limit(limit))
        return [_schedule(r) for r in rows]

    async def due_schedules(self, at: datetime, limit: int) -> list[tuple[str, str]]:
        s = t.schedules
        rows = await self._rows(select(s.c.workspace_id, s.c.schedule_id).where(
            s.c.state == ScheduleState.PENDING.value, s.c.run_at <= at)
            .order_by(s.c.run_at).limit(limit))
        return [(r["workspace_id"], r["schedule_id"]) for r in rows]

    async def count_pending_schedules(self, workspace_id: str) -> int:
        s = t.schedules
        row = await self._row(select(func.count().label("n")).where(
            s.c.workspace_id == workspace_id, s.c.state == ScheduleState.PENDING.value))
        return int(row["n"]) if row else 0
