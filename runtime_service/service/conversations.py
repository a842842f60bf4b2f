"""Conversations keep their version: a conversation that started on vN is answered from vN
until it has been idle for ``idle_seconds`` (policy "pinned", the default), so a publish
never changes an agent mid-conversation, whichever replica answers; policy "latest"
always answers from Production. A squad's current speaker is kept the same way, so a
hand-off lasts until a rule hands over again.

Where a turn finds its conversation, in order: the token the gateway sent back (signed,
verified, no I/O); this replica's memory (no I/O); the shared record, read once by a
replica that has not seen the conversation (the only await on the path); else it is new.
An idle state counts as none: the conversation starts over. After the turn the new state
goes to memory at once and to the shared record in the background (coalesced, bounded).
"""

from __future__ import annotations

import secrets
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from agentconfig.resolution.snapshot import ServingSnapshot
from agentconfig.rollouts import ServeReason, choose_version
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.domain.conversation import ConversationState
from runtime_service.domain.conversation_token import TokenSigner
from runtime_service.service.ports import ConversationRecords
from runtime_service.service.shared_records import SharedRecords
from runtime_service.service.store import WorkspaceState

PINNED = "pinned"
LATEST = "latest"
LoadVersion = Callable[[str, int, str], Awaitable[ServingSnapshot | None]]


@dataclass(frozen=True)
class Opened:
    """A turn about to be answered: from which snapshot, why, and the state before it."""

    snapshot: ServingSnapshot
    served_from: rpb.ServedFrom
    state: ConversationState


class Conversations:
    def __init__(self, idle_seconds: float, policies: Mapping[str, str] | None = None,
                 default_policy: str = PINNED, max_entries: int = 200_000, *,
                 records: ConversationRecords | None = None,
                 signer: TokenSigner | None = None, load_version: LoadVersion | None = None,
                 max_pending: int = 50_000) -> None:
        self.idle_seconds = idle_seconds
        self._policies = dict(policies or {})
        self._default = default_policy
        self._max = max_entries
        self._memory: OrderedDict[tuple[str, str], ConversationState] = OrderedDict()
        self.signer = signer or TokenSigner([secrets.token_bytes(32)], shared=False)
        # the loader's load_pinned, wired by the bootstrap
        self.load_version = load_version
        self._shared = SharedRecords(records, idle_seconds, max_pending)

    def policy(self, workspace_id: str) -> str:
        return self._policies.get(workspace_id, self._default)

    async def start_turn(self, state: WorkspaceState, conversation_id: str, token: str,
                         now: float | None = None, channel_id: str = "") -> Opened:
        now = time.time() if now is None else now
        current = state.current
        assert current is not None
        key = (state.workspace_id, conversation_id)
        pinned = self.policy(state.workspace_id) != LATEST
        start, served = await self._start_on(state, current, conversation_id, channel_id)
        fresh = ConversationState(*key, start.version, start.content_hash, last_turn_at=now)
        prior = await self._find(key, token, fresh if pinned else fresh.unpinned(), now)
        if not pinned:  # every turn as a new one: by its bucket, never pinned
            rollout = start is not current
            return Opened(start, served if rollout else current.served_from,
                          (prior or fresh).unpinned())
        if prior is None or not prior.version:
            return Opened(start, served, prior.pinned_to(start.version, start.content_hash)
                          if prior else fresh)
        snapshot = await self._pinned(state, prior)
        if snapshot is None:  # cannot be had now: Production answers, the pin stays
            return Opened(current, current.served_from, prior)
        return Opened(snapshot, snapshot.pinned_from, prior)

    async def _start_on(self, state: WorkspaceState, current: ServingSnapshot,
                        conversation_id: str, channel_id: str,
                        ) -> tuple[ServingSnapshot, rpb.ServedFrom]:
        """What a new conversation starts on: the candidate of a staged rollout when its
        bucket says so (the same answer on every replica), else Production; Production too
        when the candidate cannot be had now."""
        version, why = choose_version(state.workspace_id, current.version, state.rollout,
                                      channel_id, conversation_id)
        if why is not ServeReason.ROLLOUT_BUCKET or version == current.version:
            return current, current.pinned_from
        candidate = state.versions.get(version)
        if candidate is None and self.load_version is not None:
            candidate = await self.load_version(state.workspace_id, version, "")
        if candidate is None:
            return current, current.pinned_from
        return candidate, rpb.ServedFrom(
            workspace_id=candidate.workspace_id, version=candidate.version,
            content_hash=candidate.content_hash, reason=rpb.SERVE_REASON_ROLLOUT)

    async def _find(self, key: tuple[str, str], token: str, fresh: ConversationState, now: float,
                    ) -> ConversationState | None:
        found = self.signer.verify(token, *key) if token else None
        if found is None:
            found = self._memory.get(key)
            if found is None or found.idle(now, self.idle_seconds):
                found = await self._shared.claim(fresh)
                if found is fresh:
                    return None
        if found is not None and found.idle(now, self.idle_seconds):
            return None
        return found

    async def _pinned(self, state: WorkspaceState, prior: ConversationState,
                      ) -> ServingSnapshot | None:
        snapshot = state.versions.get(prior.version)
        if snapshot is None and self.load_version is not None:
            snapshot = await self.load_version(state.workspace_id, prior.version,
                                               prior.content_hash)
        return snapshot

    def end_turn(self, opened: Opened, agent_id: str, now: float | None = None,
              ) -> tuple[ConversationState, str]:
        """Record the answered turn: the state after it and its token."""
        after = opened.state.after_turn(agent_id, time.time() if now is None else now)
        key = (after.workspace_id, after.conversation_id)
        self._memory[key] = after
        self._memory.move_to_end(key)
        if len(self._memory) > self._max:
            self._memory.popitem(last=False)
        self._shared.write(after)
        return after, self.signer.sign(after)

    def in_use(self, now: float) -> dict[str, set[int]]:
        """The pinned versions that conversations not idle yet use, per workspace."""
        out: dict[str, set[int]] = {}
        for (workspace_id, _), state in self._memory.items():
            if state.version and not state.idle(now, self.idle_seconds):
                out.setdefault(workspace_id, set()).add(state.version)
        return out

    def sweep(self, now: float) -> None:
        stale = [k for k, s in self._memory.items() if s.idle(now, self.idle_seconds)]
        for key in stale:
            del self._memory[key]

    async def flush(self) -> None:
        await self._shared.flush()

    async def close(self) -> None:
        await self._shared.close()

