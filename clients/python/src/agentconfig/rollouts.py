"""The rules of a staged rollout, pure so the config service, every runtime replica and the
gateway SDK compute the same answer from the same state, with no coordination.

A conversation's bucket is a hash of (workspace, rollout, conversation) into 10,000 buckets;
the candidate serves buckets below the rollout's share in basis points. So the assignment is
the same on every replica and after a restart, and raising the share only moves
conversations from Production to the candidate, never back. Shares are basis points
(1 % = 100) so a step of 0.5 % is exact.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

BUCKETS = 10_000
MAX_STEPS = 20
MAX_CHANNELS = 100
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,2})?)\s*%?\s*$")
_DURATION = re.compile(r"^\s*(\d{1,6})\s*(s|m|h|d)\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RolloutRuleError(ValueError):
    """A share, step list, duration or guard that does not parse; the message says why."""


class ServeReason(StrEnum):
    PRODUCTION = "production"
    ROLLOUT_BUCKET = "rollout_bucket"
    PINNED = "pinned"


@dataclass(frozen=True)
class RolloutState:
    """What a replica needs to choose a version: the live rollout, moved forward only by
    ``sequence`` (a later sequence replaces an earlier one, never the reverse)."""

    rollout_id: str
    sequence: int
    candidate_version: int
    share_bp: int  # basis points of new conversations the candidate serves
    channels: frozenset[str] = frozenset()  # empty: every channel
    active: bool = True

    def covers(self, channel_id: str) -> bool:
        return self.active and self.share_bp > 0 and (
            not self.channels or channel_id in self.channels)


def bucket(workspace_id: str, rollout_id: str, conversation_id: str) -> int:
    """0..9,999; the unit separator keeps ("a", "bc") and ("ab", "c") apart."""
    key = "\x1f".join((workspace_id, rollout_id, conversation_id)).encode("utf-8")
    return int.from_bytes(hashlib.sha256(key).digest()[:8], "big") % BUCKETS


def in_candidate(bucket_number: int, share_bp: int) -> bool:
    return bucket_number < share_bp


def choose_version(workspace_id: str, production_version: int, rollout: RolloutState | None,
                   channel_id: str, conversation_id: str, pinned_version: int = 0,
                   ) -> tuple[int, ServeReason]:
    """The version a turn is answered from, and why: a pinned conversation keeps its
    version; a new one on a covered channel goes by its bucket; anything else is
    Production (also every conversation without an id: it cannot be sticky)."""
    if pinned_version:
        return pinned_version, ServeReason.PINNED
    if rollout is not None and conversation_id and rollout.covers(channel_id) and \
            in_candidate(bucket(workspace_id, rollout.rollout_id, conversation_id),
                         rollout.share_bp):
        return rollout.candidate_version, ServeReason.ROLLOUT_BUCKET
    return production_version, ServeReason.PRODUCTION


def parse_share(text: str) -> int:
    """'10', '10%', '12.5%' -> basis points; 0 < share <= 100."""
    match = _PERCENT.match(text)
    if match is None:
        raise RolloutRuleError(f"{text!r} is not a percentage (e.g. 10 or 12.5%)")
    share = round(float(match.group(1)) * 100)
    if not 0 < share <= BUCKETS:
        raise RolloutRuleError(f"{text!r} must be more than 0 % and at most 100 %")
    return share


def parse_steps(text: str) -> tuple[int, ...]:
    """'10,50,100' -> (1000, 5000, 10000): strictly rising shares."""
    parts = [p for p in text.split(",") if p.strip()]
    if not parts:
        raise RolloutRuleError("give at least one step, e.g. 10,50,100")
    steps = tuple(parse_share(p) for p in parts)
    check_steps(steps)
    return steps


def check_steps(steps: tuple[int, ...]) -> None:
    """The same rules for steps that arrive as numbers (the RPC) rather than text."""
    if not steps or len(steps) > MAX_STEPS:
        raise RolloutRuleError(f"give 1 to {MAX_STEPS} steps")
    if any(not 0 < s <= BUCKETS for s in steps):
        raise RolloutRuleError("every step must be more than 0 % and at most 100 %")
    if any(b <= a for a, b in itertools.pairwise(steps)):
        raise RolloutRuleError(f"steps must rise: {', '.join(f'{s / 100:g}%' for s in steps)}")


def parse_duration(text: str) -> timedelta:
    """'90s', '30m', '2h', '1d'."""
    match = _DURATION.match(text)
    if match is None or int(match.group(1)) == 0:
        raise RolloutRuleError(f"{text!r} is not a duration (e.g. 30m, 2h, 1d)")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def due_step(steps: tuple[int, ...], current: int, step_started_seconds: float,
             every_seconds: float, now_seconds: float) -> int:
    """The step index a scheduled rollout should be at: one step further each ``every``
    after the current step started, never past the last, never back. Without a schedule
    (every <= 0) steps move only by hand."""
    if every_seconds <= 0 or current >= len(steps) - 1:
        return current
    elapsed = now_seconds - step_started_seconds
    return current + 1 if elapsed >= every_seconds else current
