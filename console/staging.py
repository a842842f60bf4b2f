"""What the publish confirmation's "release to a share first" and "publish at" fields mean
as API values, pure: steps as basis points, an interval, a channel limit, a UTC time; and
which form field a server's field violation belongs next to. The rules for steps are the
shared library's (agentconfig.rollouts), the same the config service applies."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from agentconfig.rollouts import RolloutRuleError, check_steps, parse_duration, parse_share
from console.errors import Invalid, Problem

# the server's field path (its first part) -> the confirmation form's field
_FIELDS = {"steps": "steps", "steps_bp": "steps", "every": "every", "every_seconds": "every",
           "channels": "channels", "channel_ids": "channels", "run_time": "run_at",
           "guards": "guards"}


@dataclass(frozen=True)
class Plan:
    steps_bp: tuple[int, ...]
    every_seconds: int = 0
    channels: tuple[str, ...] = ()


def _bad(field: str, text: str) -> Invalid:
    return Invalid(f"{field}: {text}", [Problem(field, text)], 422, "BAD_INPUT")


def plan(steps: str, every: str = "", channels: str = "") -> Plan:
    """'1,10,50' / '30m' / 'web, api' -> a Plan; Invalid names the field. Rising steps are
    not checked here (the server does, and ``check`` does before anything is written)."""
    try:
        shares = tuple(parse_share(p) for p in steps.split(",") if p.strip())
    except RolloutRuleError as exc:
        raise _bad("steps", str(exc)) from None
    if not shares:
        raise _bad("steps", "give at least one share, e.g. 1,10,50")
    seconds = 0
    if every.strip():
        try:
            seconds = int(parse_duration(every).total_seconds())
        except RolloutRuleError as exc:
            raise _bad("every", str(exc)) from None
    names = tuple(c.strip() for c in channels.split(",") if c.strip())
    return Plan(shares, seconds, names)


def check(found: Plan) -> None:
    """The steps rule the server applies, for a staged publish: checked before the version
    is written, so bad steps never leave a staged version behind."""
    try:
        check_steps(found.steps_bp)
    except RolloutRuleError as exc:
        raise _bad("steps", str(exc)) from None


def run_at(text: str) -> datetime:
    """A ``datetime-local`` value ('2026-12-01T09:00'), read as UTC. Whether it lies in the
    future is the server's rule (run_time BAD_TIME)."""
    try:
        found = datetime.fromisoformat(text.strip())
    except ValueError:
        raise _bad("run_at", f"{text!r} is not a time (YYYY-MM-DD HH:MM, UTC)") from None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def form_field(server_field: str) -> str:
    """``channels[1]`` -> ``channels``; a field the form does not have stays as it is."""
    head = server_field.split("[", 1)[0].split(".", 1)[0]
    return _FIELDS.get(head, server_field)


def by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """The problems to show next to each form field."""
    out: dict[str, list[str]] = {}
    for p in problems:
        out.setdefault(form_field(p.field), []).append(f"{p.field}: {p.description}")
    return out


