"""Conversations keep their version: a conversation that started on vN is answered from vN
until it has been idle for ``idle_seconds`` (policy "pinned", the default), so a publish
never changes an agent mid-conversation; policy "latest" always answers from Production.
Bounded: the least recently seen conversations are forgotten first."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping

from runtime_service.domain.snapshot import ServingSnapshot
from runtime_service.service.store import WorkspaceState

PINNED = "pinned"
LATEST = "latest"


class Conversations:
    def __init__(self, idle_seconds: float, policies: Mapping[str, str] | None = None,
                 default_policy: str = PINNED, max_entries: int = 200_000) -> None:
        self.idle_seconds = idle_seconds
        self._policies = dict(policies or {})
        self._default = default_policy
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str], list[float]] = OrderedDict()

    def policy(self, workspace_id: str) -> str:
        return self._policies.get(workspace_id, self._default)

    def pick(self, state: WorkspaceState, conversation_id: str, now: float) -> ServingSnapshot:
        current = state.current
        assert current is not None
        if not conversation_id or self.policy(state.workspace_id) == LATEST:
            return current
        key = (state.workspace_id, conversation_id)
        entry = self._entries.get(key)
        if entry is not None and now - entry[1] < self.idle_seconds:
            pinned = state.versions.get(int(entry[0]))
            if pinned is not None:
                entry[1] = now
                self._entries.move_to_end(key)
                return pinned
        self._entries[key] = [float(current.version), now]
        self._entries.move_to_end(key)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return current

    def in_use(self, workspace_id: str, now: float) -> set[int]:
        return {int(v) for (ws, _), (v, seen) in self._entries.items()
                if ws == workspace_id and now - seen < self.idle_seconds}

    def sweep(self, now: float) -> None:
        stale = [k for k, (_, seen) in self._entries.items() if now - seen >= self.idle_seconds]
        for key in stale:
            del self._entries[key]
