"""Rollout status: which version each runtime replica serves, against Production."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from config_service.service.common import workspace
from config_service.service.ports import RolloutReader, UnitOfWorkFactory


@dataclass(frozen=True)
class Replica:
    replica_id: str
    version: int
    content_hash: str
    load_time: datetime
    report_time: datetime
    rollout_sequence: int = 0  # the staged rollout state it serves by (0: none known)


@dataclass(frozen=True)
class Rollout:
    production_version: int
    replicas: list[Replica]

    @property
    def live(self) -> int:
        return sum(1 for r in self.replicas if r.version == self.production_version)


def _sequence(value: object) -> int:
    """A report from a replica older than staged rollouts has none."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _when(value: object) -> datetime:
    return datetime.fromtimestamp(float(value), UTC)  # type: ignore[arg-type]


async def rollout_status(uowf: UnitOfWorkFactory, reader: RolloutReader, workspace_id: str,
                         ) -> Rollout:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
    replicas = [Replica(str(r["replica_id"]), int(r["version"]),  # type: ignore[call-overload]
                        str(r["content_hash"]), _when(r["load_time"]), _when(r["report_time"]),
                        _sequence(r.get("rollout_sequence", 0)))
                for r in await reader.reports(ws.id)]
    return Rollout(ws.production_version, sorted(replicas, key=lambda r: r.replica_id))
