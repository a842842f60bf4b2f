"""What the delta of two versions reads (issue 11): only the entity rows whose version range
starts or ends between them, never the whole manifest of either."""

from __future__ import annotations

import abc

from config_service.service.change_ports import EntityChange


class DeltaReader(abc.ABC):
    @abc.abstractmethod
    async def version_changes(self, workspace_id: str, old: int, new: int, limit: int,
                              ) -> list[EntityChange]:
        """The keys whose content differs between versions ``old`` and ``new`` (old < new),
        sorted by key; at most ``limit`` + 1 of them, so a caller can tell "too many"."""
