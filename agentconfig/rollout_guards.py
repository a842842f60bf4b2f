"""Guard rules that abort a rollout by themselves when live outcomes worsen, e.g.
``error_rate > production + 2%, min 200``: the candidate's error rate exceeds Production's by
more than 2 points, judged only once the candidate has served at least 200 conversations.

Pure, like agentconfig.rollouts: the config service's once-only controller evaluates them on
the compact counts the runtimes forward, and the verdict carries the figures that tripped it
(the audit and the CLI show them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentconfig.rollouts import RolloutRuleError

METRICS = {"error_rate": "errors", "escalation_rate": "escalations",
           "negative_feedback_rate": "negative_feedback"}
MAX_GUARDS = 10
_GUARD = re.compile(
    r"^\s*(?P<metric>[a-z_]+)\s*>\s*(?:(?P<relative>production)\s*"
    r"(?:\+\s*(?P<margin>\d{1,3}(?:\.\d{1,2})?)\s*%)?|(?P<absolute>\d{1,3}(?:\.\d{1,2})?)\s*%)"
    r"\s*(?:,\s*min\s+(?P<min>\d{1,9}))?\s*$")


@dataclass(frozen=True)
class OutcomeCounts:
    """Compact counts of reported turn outcomes for one version (never the events)."""

    conversations: int = 0
    turns: int = 0
    errors: int = 0
    escalations: int = 0
    negative_feedback: int = 0
    latency_ms_total: int = 0

    def plus(self, other: OutcomeCounts) -> OutcomeCounts:
        return OutcomeCounts(*(a + b for a, b in zip(self.as_tuple(), other.as_tuple(),
                                                     strict=True)))

    def as_tuple(self) -> tuple[int, ...]:
        return (self.conversations, self.turns, self.errors, self.escalations,
                self.negative_feedback, self.latency_ms_total)

    def rate(self, metric: str) -> float:
        """Share of reported turns with the outcome; 0 with no turns."""
        return getattr(self, METRICS[metric]) / self.turns if self.turns else 0.0


@dataclass(frozen=True)
class Guard:
    metric: str
    margin_bp: int  # relative: points above Production; absolute: the threshold itself
    relative: bool = True
    min_conversations: int = 100

    def text(self) -> str:
        bound = f"production + {self.margin_bp / 100:g}%" if self.relative \
            else f"{self.margin_bp / 100:g}%"
        return f"{self.metric} > {bound}, min {self.min_conversations}"


@dataclass(frozen=True)
class Verdict:
    guard: Guard
    tripped: bool
    candidate_rate: float
    production_rate: float
    candidate_conversations: int

    def explain(self) -> str:
        return (f"{self.guard.text()}: candidate {self.candidate_rate:.2%} over "
                f"{self.candidate_conversations} conversations, production "
                f"{self.production_rate:.2%}")


def parse_guard(text: str) -> Guard:
    match = _GUARD.match(text)
    if match is None:
        raise RolloutRuleError(
            f"{text!r} is not a guard; write e.g. 'error_rate > production + 2%, min 200' "
            "or 'error_rate > 5%'")
    metric = match.group("metric")
    if metric not in METRICS:
        raise RolloutRuleError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    relative = match.group("relative") is not None
    figure = (match.group("margin") or "0") if relative else match.group("absolute")
    margin = round(float(figure) * 100)
    if margin > 10_000:
        raise RolloutRuleError(f"{text!r}: a rate cannot exceed 100 %")
    minimum = int(match.group("min")) if match.group("min") else 100
    return Guard(metric, margin, relative, max(minimum, 1))


def evaluate(guard: Guard, candidate: OutcomeCounts, production: OutcomeCounts) -> Verdict:
    """Trips only with enough evidence: at least ``min_conversations`` on the candidate,
    and (for a relative guard) some reported turns on Production to compare with."""
    field = METRICS[guard.metric]
    c_hits, c_turns = getattr(candidate, field), candidate.turns
    p_hits, p_turns = getattr(production, field), production.turns
    enough = candidate.conversations >= guard.min_conversations and c_turns > 0
    if guard.relative:  # c/ct - p/pt > m/10^4, in integers so "exactly 2 points" is not over
        enough = enough and p_turns > 0
        over = (c_hits * p_turns - p_hits * c_turns) * 10_000 > guard.margin_bp * c_turns * p_turns
    else:
        over = c_hits * 10_000 > guard.margin_bp * c_turns
    return Verdict(guard, enough and over, candidate.rate(guard.metric),
                   production.rate(guard.metric), candidate.conversations)


def first_tripped(guards: tuple[Guard, ...], candidate: OutcomeCounts,
                  production: OutcomeCounts) -> Verdict | None:
    for guard in guards:
        verdict = evaluate(guard, candidate, production)
        if verdict.tripped:
            return verdict
    return None
