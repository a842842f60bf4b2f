"""What a test run holds still while it runs. The internal chat reads the Draft and the
workspace's settings from the config service on every turn, which is right for a builder
(each turn sees their latest edit) and wrong for a suite: a run must test one Draft
revision (the one it reports), and 200 cases x 5 turns should not be 2,000 reads.

``RunPins`` wraps the chat's ConfigSource. Inside ``pinned(...)`` (a context variable, so
only the run's own tasks see it) the Draft is the snapshot the run fetched and the
settings are read once; everywhere else every call goes through as before."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from agentconfig.v1 import entities_pb2 as pb
from runtime_service.domain.access import KeyInfo
from runtime_service.service.ports import ChannelBinding, ConfigSource, WorkspaceSettings


@dataclass
class _Pin:
    workspace_id: str
    draft: pb.Snapshot | None
    settings: WorkspaceSettings | None = field(default=None)


_pin: ContextVar[_Pin | None] = ContextVar("test_run_pin", default=None)


@contextmanager
def pinned(workspace_id: str, draft: pb.Snapshot | None) -> Iterator[None]:
    """For the code inside (and the tasks it starts): ``draft`` is the workspace's Draft
    (None: not pinned, e.g. a run on a version), and its settings are read once."""
    token = _pin.set(_Pin(workspace_id, draft))
    try:
        yield
    finally:
        _pin.reset(token)


def _current(workspace_id: str) -> _Pin | None:
    pin = _pin.get()
    return pin if pin is not None and pin.workspace_id == workspace_id else None


class RunPins(ConfigSource):
    def __init__(self, inner: ConfigSource) -> None:
        self._inner = inner

    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot | None:
        pin = _current(workspace_id)
        if pin is not None and pin.draft is not None:
            held = known_revision and known_revision == pin.draft.draft_revision
            return None if held else pin.draft
        return await self._inner.draft(workspace_id, known_revision)

    async def workspace_settings(self, workspace_id: str) -> WorkspaceSettings:
        pin = _current(workspace_id)
        if pin is None:
            return await self._inner.workspace_settings(workspace_id)
        if pin.settings is None:
            pin.settings = await self._inner.workspace_settings(workspace_id)
        return pin.settings

    async def production(self, workspace_id: str) -> pb.Snapshot:
        return await self._inner.production(workspace_id)

    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        return await self._inner.version(workspace_id, number)

    async def channels(self, workspace_id: str) -> list[ChannelBinding]:
        return await self._inner.channels(workspace_id)

    async def key(self, key_id: str) -> KeyInfo:
        return await self._inner.key(key_id)

    async def reconnect(self) -> None:
        await self._inner.reconnect()

    async def close(self) -> None:
        await self._inner.close()
