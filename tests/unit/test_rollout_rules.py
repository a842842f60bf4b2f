"""The pure rollout rules every party computes alike: buckets, shares, steps, guards."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from agentconfig.rollout_guards import Guard, OutcomeCounts, evaluate, first_tripped, parse_guard
from agentconfig.rollouts import (
    RolloutRuleError,
    RolloutState,
    ServeReason,
    bucket,
    check_steps,
    choose_version,
    due_step,
    in_candidate,
    parse_duration,
    parse_share,
    parse_steps,
)

IDS = [str(uuid.UUID(int=i * 7919 + 13)) for i in range(10_000)]


def test_ten_percent_of_ten_thousand_conversations_is_within_one_point() -> None:
    hits = sum(in_candidate(bucket("shop", "r1", c), 1000) for c in IDS)
    assert 900 <= hits <= 1100, hits


def test_a_conversation_lands_in_the_same_bucket_every_time() -> None:
    first = [bucket("shop", "r1", c) for c in IDS[:500]]
    assert first == [bucket("shop", "r1", c) for c in IDS[:500]]
    # a fixed vector: the SDK and other implementations must land here too (docs/rollouts.md)
    assert (bucket("shop", "r1", "c-1"), bucket("shop", "r1", "")) == (6403, 1494)


def test_raising_the_share_only_moves_conversations_to_the_candidate() -> None:
    shares = [500, 1000, 2500, 5000, 10_000]
    previous: set[str] = set()
    for share in shares:
        now = {c for c in IDS if in_candidate(bucket("shop", "r1", c), share)}
        assert previous <= now
        previous = now
    assert previous == set(IDS)


def test_buckets_differ_between_rollouts_and_workspaces() -> None:
    a = {c for c in IDS if in_candidate(bucket("shop", "r1", c), 1000)}
    b = {c for c in IDS if in_candidate(bucket("shop", "r2", c), 1000)}
    assert len(a & b) < 300  # independent draws overlap ~10 % of 1,000
    assert bucket("ab", "c", "x") != bucket("a", "bc", "x")


ROLLOUT = RolloutState("r1", 3, candidate_version=8, share_bp=5000, channels=frozenset({"web"}))


@pytest.mark.parametrize("rollout, channel, conversation, pinned, expected", [
    (None, "web", "c", 0, (7, ServeReason.PRODUCTION)),
    (ROLLOUT, "web", "c", 6, (6, ServeReason.PINNED)),
    (ROLLOUT, "whatsapp", IDS[0], 0, (7, ServeReason.PRODUCTION)),  # channel not covered
    (ROLLOUT, "web", "", 0, (7, ServeReason.PRODUCTION)),  # no id: cannot be sticky
    (RolloutState("r1", 4, 8, 10_000, active=False), "web", "c", 0,
     (7, ServeReason.PRODUCTION)),  # aborted
    (RolloutState("r1", 4, 8, 10_000), "any", "c", 0, (8, ServeReason.ROLLOUT_BUCKET)),
])
def test_choose_version(rollout: RolloutState | None, channel: str, conversation: str,
                        pinned: int, expected: tuple[int, ServeReason]) -> None:
    assert choose_version("shop", 7, rollout, channel, conversation, pinned) == expected


def test_half_of_the_covered_conversations_go_to_the_candidate() -> None:
    served = [choose_version("shop", 7, ROLLOUT, "web", c)[0] for c in IDS]
    assert 4800 <= served.count(8) <= 5200


@pytest.mark.parametrize("text, bp", [("10", 1000), ("10%", 1000), ("12.5%", 1250),
                                      (" 100 % ", 10_000), ("0.01", 1)])
def test_parse_share(text: str, bp: int) -> None:
    assert parse_share(text) == bp


@pytest.mark.parametrize("text", ["0", "101", "abc", "-5", "10.123", ""])
def test_parse_share_refuses(text: str) -> None:
    with pytest.raises(RolloutRuleError):
        parse_share(text)


def test_parse_steps() -> None:
    assert parse_steps("10,50,100") == (1000, 5000, 10_000)
    for bad in ["", "50,10", "10,10", ",".join(["1"] * 21), "10,x"]:
        with pytest.raises(RolloutRuleError):
            parse_steps(bad)
    check_steps((1000, 5000))
    for steps in [(), (0,), (5000, 1000), (10_001,)]:
        with pytest.raises(RolloutRuleError):
            check_steps(steps)


@pytest.mark.parametrize("text, seconds", [("90s", 90), ("30m", 1800), ("2h", 7200),
                                           ("1d", 86400)])
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["0m", "30", "m", "1w", "-1h"])
def test_parse_duration_refuses(text: str) -> None:
    with pytest.raises(RolloutRuleError):
        parse_duration(text)


def test_due_step_moves_one_step_per_period_and_never_back() -> None:
    steps = (1000, 5000, 10_000)
    assert due_step(steps, 0, 100.0, 60.0, 159.9) == 0
    assert due_step(steps, 0, 100.0, 60.0, 160.0) == 1
    assert due_step(steps, 2, 100.0, 60.0, 10_000.0) == 2
    assert due_step(steps, 1, 100.0, 0.0, 10_000.0) == 1  # by hand only


@pytest.mark.parametrize("text, guard", [
    ("error_rate > production + 2%, min 200", Guard("error_rate", 200, True, 200)),
    ("escalation_rate>production", Guard("escalation_rate", 0, True, 100)),
    ("negative_feedback_rate > 5%", Guard("negative_feedback_rate", 500, False, 100)),
    ("error_rate > 0.5%, min 10", Guard("error_rate", 50, False, 10)),
])
def test_parse_guard(text: str, guard: Guard) -> None:
    assert parse_guard(text) == guard
    assert parse_guard(guard.text()) == guard


@pytest.mark.parametrize("text", ["latency > 5%", "error_rate < 5%", "error_rate > 200%",
                                  "error_rate > production - 2%", "error_rate", ""])
def test_parse_guard_refuses(text: str) -> None:
    with pytest.raises(RolloutRuleError):
        parse_guard(text)


GUARD = Guard("error_rate", 200, True, 200)


@pytest.mark.parametrize("candidate, production, tripped", [
    (OutcomeCounts(300, 1000, 71), OutcomeCounts(3000, 10_000, 500), True),  # 7.1 % vs 5 %
    (OutcomeCounts(300, 1000, 70), OutcomeCounts(3000, 10_000, 500), False),  # exactly +2
    (OutcomeCounts(199, 1000, 900), OutcomeCounts(3000, 10_000, 500), False),  # too few
    (OutcomeCounts(300, 1000, 900), OutcomeCounts(), False),  # nothing to compare with
    (OutcomeCounts(300, 0, 0), OutcomeCounts(3000, 10_000, 500), False),
])
def test_relative_guard(candidate: OutcomeCounts, production: OutcomeCounts,
                        tripped: bool) -> None:
    verdict = evaluate(GUARD, candidate, production)
    assert verdict.tripped is tripped
    if tripped:
        assert "7.10%" in verdict.explain() and "300 conversations" in verdict.explain()


def test_absolute_guard_and_first_tripped() -> None:
    absolute = Guard("escalation_rate", 500, False, 10)
    cand = OutcomeCounts(conversations=20, turns=100, escalations=6)
    assert evaluate(absolute, cand, OutcomeCounts()).tripped
    assert first_tripped((GUARD, absolute), cand, OutcomeCounts()) is not None
    assert first_tripped((GUARD,), cand, OutcomeCounts()) is None


def test_counts_add_up() -> None:
    total = OutcomeCounts(1, 2, 1, 0, 0, 40).plus(OutcomeCounts(2, 3, 0, 1, 1, 60))
    assert total == OutcomeCounts(3, 5, 1, 1, 1, 100)
    assert total.rate("error_rate") == pytest.approx(0.2)
