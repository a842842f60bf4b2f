"""What the incremental use cases (publish, diff, validate) read: the Draft's difference
from a version as a set difference done by the store, the Draft's count and content hash
without its rows, which keys exist, and who refers to a key (issue 11). Each answers with
rows for what changed or what it names, never the whole workspace."""

from __future__ import annotations

import abc
from collections.abc import Collection
from typing import NamedTuple

from config_service.domain.model import DraftEntity, Key


class EntityChange(NamedTuple):
    """One key whose body differs between a version and the Draft (or two versions)."""

    kind: str
    entity_id: str
    old: str | None  # content hash on the old side; None: added
    new: str | None  # content hash on the new side; None: removed
    updated_by: str = ""  # the Draft entity's last editor ("" when removed)

    @property
    def key(self) -> Key:
        return (self.kind, self.entity_id)


class ChangeReader(abc.ABC):
    @abc.abstractmethod
    async def draft_changes(self, workspace_id: str, version: int) -> list[EntityChange]:
        """The Draft against ``version`` (0: nothing, so every Draft entity is added), sorted
        by key."""
    @abc.abstractmethod
    async def mark_draft_synced(self, workspace_id: str, version: int) -> None:
        """The Draft now equals ``version`` (after a publish, rollback or restore), so its
        later change from that version is found from the keys written since."""
    @abc.abstractmethod
    async def draft_digest(self, workspace_id: str) -> tuple[int, str]:
        """How many entities the Draft holds and its snapshot content hash."""
    @abc.abstractmethod
    async def draft_present(self, workspace_id: str, keys: Collection[Key]) -> set[Key]:
        """Which of ``keys`` the Draft holds."""
    @abc.abstractmethod
    async def version_present(self, workspace_id: str, version: int, keys: Collection[Key],
                              ) -> set[Key]:
        """Which of ``keys`` version ``version`` holds."""
    @abc.abstractmethod
    async def draft_referrers(self, workspace_id: str, keys: Collection[Key],
                              ) -> dict[Key, str]:
        """Draft entities that refer to any of ``keys``: key -> content hash."""
    @abc.abstractmethod
    async def version_referrers(self, workspace_id: str, version: int, keys: Collection[Key],
                                ) -> dict[Key, str]:
        """The same in a version."""
    @abc.abstractmethod
    async def put_draft_entities(self, workspace_id: str,
                                 entities: Collection[DraftEntity]) -> None:
        """Write many Draft entities (and their bodies) in a few statements."""
    @abc.abstractmethod
    async def delete_draft_entities(self, workspace_id: str, keys: Collection[Key]) -> None: ...
    @abc.abstractmethod
    async def draft_stamps(self, workspace_id: str, keys: Collection[Key],
                           ) -> dict[Key, tuple[str, str]]:
        """Of ``keys`` the Draft holds: key -> (content hash, etag)."""
