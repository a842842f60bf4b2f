"""Redis replicates asynchronously, so a move the old master took just before it died can be
missing on the replica Sentinel promotes (or on a Redis restarted without persistence). By
then its outbox row is marked delivered, so the relay will not send it again, and a runtime
that was not subscribed at that instant would read the older pointer at every reconcile.

So the publisher remembers the newest move of each workspace it delivered lately and, at
its first success after a failure (which is what a failover looks like from here), sets
those pointers again, only forward. No notice is sent: the runtimes that were subscribed had
it, and the reconcile of the others reads the repaired pointer."""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.commands.core import AsyncScript

from agentconfig.bus import PRODUCTION_KEY, ProductionMove

WINDOW_SECONDS = 300.0  # far longer than any replication lag; bounded memory

# Set the pointer only if it moves forward; 1 if it did (it had been lost).
SET_FORWARD_QUIETLY = """
local current = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[1], 'version', ARGV[1], 'hash', ARGV[2])
  return 1
end
return 0
"""


class RecentMoves:
    """The newest move per workspace delivered within the window."""

    def __init__(self, window: float = WINDOW_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._window = window
        self._clock = clock
        self._moves: dict[str, tuple[float, ProductionMove]] = {}
        self._pruned = clock()

    def remember(self, move: ProductionMove) -> None:
        now = self._clock()
        known = self._moves.get(move.workspace_id)
        if known is None or move.version >= known[1].version:
            self._moves[move.workspace_id] = (now, move)
        if now - self._pruned > self._window:  # at most once a window: O(1) per move
            self._pruned = now
            self._moves = {ws: (at, m) for ws, (at, m) in self._moves.items()
                           if now - at <= self._window}

    def moves(self) -> list[ProductionMove]:
        now = self._clock()
        return [m for at, m in self._moves.values() if now - at <= self._window]


async def set_again(script: AsyncScript, moves: list[ProductionMove]) -> int:
    """Run SET_FORWARD_QUIETLY for each move; how many pointers had been lost."""
    repaired = 0
    for move in moves:
        repaired += int(await script(keys=[PRODUCTION_KEY.format(move.workspace_id)],
                                     args=[move.version, move.content_hash]))
    return repaired
