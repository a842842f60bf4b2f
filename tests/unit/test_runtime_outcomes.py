"""Outcome counting in a replica (on fakes): only the rollout's candidate and Production
count, a conversation counts once, forwards are cumulative, and a failed forward is retried
with the next."""

from __future__ import annotations

from agentconfig.errors import Unavailable
from agentconfig.resolution.snapshot import build
from agentconfig.rollout_guards import OutcomeCounts
from agentconfig.rollouts import RolloutState
from runtime_service.service.outcomes import Outcome, OutcomeTally
from runtime_service.service.store import Store
from tests.unit.test_runtime_channel_refresh import _Config
from tests.unit.test_runtime_pinned_versions import _version


class _Sink(_Config):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, dict[int, OutcomeCounts]]] = []
        self.down = False

    async def report_outcomes(self, workspace_id: str, rollout_id: str, reporter: str,
                              counts: list[tuple[int, OutcomeCounts]]) -> None:
        if self.down:
            raise Unavailable("config service: UNAVAILABLE")
        self.sent.append((workspace_id, rollout_id, dict(counts)))


def _tally() -> tuple[OutcomeTally, _Sink]:
    store = Store()
    state = store.state("ws")
    state.swap(build(_version(2, "Two."), production=True))
    state.apply_rollout(RolloutState("r-1", 1, candidate_version=3, share_bp=5000))
    sink = _Sink()
    return OutcomeTally(store, sink, "replica-1"), sink


async def test_counts_what_the_guards_need_once_per_conversation() -> None:
    tally, sink = _tally()
    outcomes = [Outcome("a", 3, "error", 100), Outcome("a", 3, "ok", 50),
                Outcome("b", 2, "escalated", 10), Outcome("c", 9, "error", 1)]
    assert tally.record("ws", outcomes) == 3
    assert tally.record("other", outcomes) == 0
    await tally.flush()
    assert sink.sent == [("ws", "r-1", {3: OutcomeCounts(1, 2, 1, 0, 0, 150),
                                        2: OutcomeCounts(1, 1, 0, 1, 0, 10)})]
    await tally.flush()  # nothing new: nothing sent
    assert len(sink.sent) == 1


async def test_forwards_are_cumulative_and_retried() -> None:
    tally, sink = _tally()
    tally.record("ws", [Outcome("a", 3, "ok", 1)])
    sink.down = True
    await tally.flush()
    assert sink.sent == []
    sink.down = False
    tally.record("ws", [Outcome("b", 3, "negative_feedback", 1)])
    await tally.flush()
    assert sink.sent == [("ws", "r-1", {3: OutcomeCounts(2, 2, 0, 0, 1, 2)})]


async def test_an_ended_rollout_is_forgotten_once_forwarded() -> None:
    tally, sink = _tally()
    tally.record("ws", [Outcome("a", 3, "ok", 1)])
    state = tally.store.state("ws")
    state.apply_rollout(RolloutState("r-1", 2, candidate_version=3, share_bp=0, active=False))
    assert tally.record("ws", [Outcome("b", 3, "ok", 1)]) == 0  # nothing in progress
    await tally.flush()  # what was counted before the end still goes
    assert sink.sent[-1][2] == {3: OutcomeCounts(1, 1, 0, 0, 0, 1)}
    assert not tally._tallies
