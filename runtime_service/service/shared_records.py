"""The shared record of conversation states as the read path uses it: a replica that has
not seen a conversation reads it once; after each turn the new state is written in the
background. Neither may slow down or fail a turn: a record store that is down answers
"new conversation" (the token and each replica's memory carry on) and writes are dropped,
counted, once too many wait."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time

from runtime_service.domain.conversation import ConversationState
from runtime_service.service.ports import ConversationRecords

log = logging.getLogger(__name__)
Key = tuple[str, str]


class SharedRecords:
    """The shared record in front of its port: reads fall back to "new" when the store
    is unreachable (skipping it for ``pause`` seconds after a failure, so an outage costs
    one timeout per pause, not one per new conversation), and writes go through one
    background task that coalesces the states of a conversation and drops new ones (and
    counts them) beyond ``max_pending``."""

    def __init__(self, records: ConversationRecords | None, ttl: float, max_pending: int,
                 pause: float = 1.0) -> None:
        self._records = records
        self._ttl = ttl
        self._max_pending = max_pending
        self._pause = pause
        self._down_until = 0.0
        self._pending: dict[Key, ConversationState] = {}
        self._writer: asyncio.Task[None] | None = None
        self.dropped = 0

    async def claim(self, fresh: ConversationState) -> ConversationState:
        if self._records is None or time.monotonic() < self._down_until:
            return fresh
        try:
            return await self._records.claim(fresh, self._ttl)
        except Exception as exc:
            self._failed("read", exc)
            return fresh

    def write(self, state: ConversationState) -> None:
        if self._records is None:
            return
        key = (state.workspace_id, state.conversation_id)
        if key not in self._pending and len(self._pending) >= self._max_pending:
            self.dropped += 1
            return
        self._pending[key] = state
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain(), name="conversation-records")

    async def _drain(self) -> None:
        assert self._records is not None
        while self._pending:
            batch = list(itertools.islice(self._pending.values(), 500))
            for state in batch:
                key = (state.workspace_id, state.conversation_id)
                if self._pending.get(key) is state:
                    del self._pending[key]
            try:
                await self._records.put(batch, self._ttl)
            except Exception as exc:  # memory and tokens carry on; the record catches up
                self._failed("write", exc)  # with the conversation's next turn
                return

    def _failed(self, what: str, exc: Exception) -> None:
        if time.monotonic() >= self._down_until:
            log.warning("conversation records: %s failed (%s); new conversations start "
                        "from Production meanwhile", what, exc)
        self._down_until = time.monotonic() + self._pause

    async def flush(self) -> None:
        while self._writer is not None and not self._writer.done():
            await asyncio.shield(self._writer)

    async def close(self) -> None:
        """Write what waits, then let go of the store."""
        await self.flush()
        if self._records is not None:
            await self._records.close()
