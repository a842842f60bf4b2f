"""The storage scheduled publishes need: part of the Repository, declared apart as its own
area (like rollout_ports.py)."""

from __future__ import annotations

import abc
from datetime import datetime

from config_service.domain.model import Key
from config_service.domain.schedules import Schedule


class ScheduleStore(abc.ABC):
    @abc.abstractmethod
    async def add_schedule(self, schedule: Schedule, manifest: dict[Key, str]) -> None: ...
    @abc.abstractmethod
    async def save_schedule(self, schedule: Schedule) -> None:
        """Its state and outcome (the frozen content never changes)."""
    @abc.abstractmethod
    async def get_schedule(self, workspace_id: str, schedule_id: str) -> Schedule | None: ...
    @abc.abstractmethod
    async def schedule_manifest(self, schedule_id: str) -> dict[Key, str]: ...
    @abc.abstractmethod
    async def list_schedules(self, workspace_id: str, offset: int, limit: int,
                             ) -> list[Schedule]:
        """Newest first."""
    @abc.abstractmethod
    async def due_schedules(self, at: datetime, limit: int) -> list[tuple[str, str]]:
        """(workspace, schedule id) of pending schedules whose time has come, oldest
        first."""
    @abc.abstractmethod
    async def count_pending_schedules(self, workspace_id: str) -> int: ...
