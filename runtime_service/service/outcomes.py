"""Outcomes of conversation turns, reported by gateways, counted per version of each
workspace's staged rollout and forwarded as compact counts.

Counts are cumulative for this process (``reporter`` names it: replica id and a start
nonce), so the config service keeps the larger of what it holds and what arrives, and a
repeated, late or lost forward neither double-counts nor loses anything but the latest
increment, which the next forward carries. Only the rollout's candidate and baseline
(Production) versions are counted: nothing else feeds a guard. Conversations are counted
once per process (a bounded set; past the bound a conversation may count again, noted in
docs/rollouts.md).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from agentconfig.errors import AgentConfigError
from agentconfig.rollout_guards import OutcomeCounts
from runtime_service.service.ports import ConfigSource
from runtime_service.service.store import Store

log = logging.getLogger(__name__)
MAX_SEEN = 100_000  # conversation ids remembered per rollout and version
KINDS = ("ok", "error", "escalated", "negative_feedback")


@dataclass(frozen=True)
class Outcome:
    conversation_id: str
    version: int
    kind: str  # one of KINDS
    latency_ms: int


@dataclass
class _Tally:
    counts: OutcomeCounts
    seen: set[str]


class OutcomeTally:
    def __init__(self, store: Store, config: ConfigSource, replica_id: str) -> None:
        self.store = store
        self.config = config
        self.reporter = f"{replica_id}/{secrets.token_hex(4)}"
        # (workspace, rollout id) -> version -> tally
        self._tallies: dict[tuple[str, str], dict[int, _Tally]] = {}
        self._dirty: set[tuple[str, str]] = set()

    def record(self, workspace_id: str, outcomes: Sequence[Outcome]) -> int:
        """Count what concerns the workspace's rollout; how many were counted."""
        state = self.store.get(workspace_id)
        rollout = state.rollout if state is not None else None
        if rollout is None or not rollout.active or state is None or state.current is None:
            return 0  # no rollout in progress: no guard needs them
        # Production is the rollout's baseline while it runs (it cannot move meanwhile)
        versions = {rollout.candidate_version, state.current.version}
        key = (workspace_id, rollout.rollout_id)
        tallies = self._tallies.setdefault(key, {})
        counted = 0
        for o in outcomes:
            if o.version not in versions:
                continue
            tally = tallies.setdefault(o.version, _Tally(OutcomeCounts(), set()))
            new_conversation = o.conversation_id not in tally.seen
            if new_conversation and len(tally.seen) < MAX_SEEN:
                tally.seen.add(o.conversation_id)
            tally.counts = tally.counts.plus(OutcomeCounts(
                int(new_conversation), 1, int(o.kind == "error"), int(o.kind == "escalated"),
                int(o.kind == "negative_feedback"), o.latency_ms))
            counted += 1
        if counted:
            self._dirty.add(key)
        return counted

    async def flush(self) -> None:
        """Forward what changed since the last flush; kept for the next one on failure."""
        for key in list(self._dirty):
            workspace_id, rollout_id = key
            counts = [(v, t.counts) for v, t in sorted(self._tallies[key].items())]
            try:
                await self.config.report_outcomes(workspace_id, rollout_id, self.reporter,
                                                  counts)
            except AgentConfigError as exc:
                log.warning("outcome counts for %s not forwarded yet: %s", workspace_id,
                            exc.message)
                continue
            self._dirty.discard(key)
            self._forget_ended(key)

    def _forget_ended(self, key: tuple[str, str]) -> None:
        """A rollout that ended (or was replaced) gets no more reports: its tallies, and
        their sets of conversation ids, go once forwarded."""
        state = self.store.get(key[0])
        rollout = state.rollout if state is not None else None
        if rollout is None or rollout.rollout_id != key[1] or not rollout.active:
            self._tallies.pop(key, None)
