"""Drawing staged rollouts and scheduled publishes for ``agentctl rollout`` and
``agentctl schedule``."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import rollouts_pb2 as ropb
from agentconfig.v1 import schedules_pb2 as spb
from agentctl.output import row, table, when

PHASES = {ropb.ROLLOUT_PHASE_ACTIVE: ("active", "yellow"),
          ropb.ROLLOUT_PHASE_PROMOTED: ("promoted", "green"),
          ropb.ROLLOUT_PHASE_ABORTED: ("aborted", "red")}
STATES = {spb.SCHEDULE_STATE_PENDING: "pending", spb.SCHEDULE_STATE_DONE: "done",
          spb.SCHEDULE_STATE_CANCELLED: "cancelled", spb.SCHEDULE_STATE_MISSED: "missed",
          spb.SCHEDULE_STATE_FAILED: "failed"}


def percent(bp: int) -> str:
    return f"{bp / 100:g}%"


def steps_line(r: ropb.Rollout) -> Text:
    line = Text("steps ")
    for i, bp in enumerate(r.steps_bp):
        line.append(percent(bp), style="bold" if i == r.step_index else "dim")
        line.append("  ")
    if r.HasField("every"):
        line.append(f"every {r.every.seconds}s", style="dim")
    return line


def replicas(r: ropb.Rollout, status: cpb.GetRolloutStatusResponse) -> Table:
    out = table("REPLICA", "SERVES", "ROLLOUT SEQUENCE", title="Replicas")
    for replica in status.replicas:
        current = replica.rollout_sequence >= r.sequence
        row(out, replica.replica_id, f"v{replica.version}",
            Text(f"{replica.rollout_sequence}" + ("" if current else f" (not yet {r.sequence})"),
                 style="" if current else "yellow"))
    return out


def rollout(r: ropb.Rollout, outcomes: list[ropb.VersionOutcomes],
            status: cpb.GetRolloutStatusResponse | None = None) -> RenderableType:
    phase, style = PHASES.get(r.phase, ("?", "white"))
    head = Text(f"rollout {r.rollout_id}  ", style="bold")
    head.append(phase, style=style)
    head.append(f"  v{r.candidate_version} to {percent(r.share_bp)} of new conversations "
                f"(Production v{r.baseline_version} serves the rest)")
    parts: list[RenderableType] = [head, steps_line(r)]
    parts.append(Text("channels " + (", ".join(r.channel_ids) or "all")))
    for guard in r.guards:
        parts.append(Text(f"guard   {guard}"))
    if r.end_reason:
        parts.append(Text(f"ended   {r.end_reason} ({r.ended_by})", style=style))
    if outcomes:
        parts.append(outcome_table(outcomes, r.candidate_version))
    if status is not None and status.replicas:
        parts.append(replicas(r, status))
    return Group(*parts)


def _rate(count: int, turns: int) -> str:
    return f"{count} ({count / turns:.1%})" if turns else str(count)


def outcome_table(outcomes: list[ropb.VersionOutcomes], candidate: int) -> Table:
    out = table("VERSION", "CONVERSATIONS", "TURNS", "ERRORS", "ESCALATED",
                "NEGATIVE FEEDBACK", "MEAN LATENCY", title="Reported outcomes")
    for o in outcomes:
        c = o.counts
        label = f"v{o.version}" + (" (candidate)" if o.version == candidate else "")
        row(out, label, c.conversations, c.turns, _rate(c.errors, c.turns),
            _rate(c.escalations, c.turns), _rate(c.negative_feedback, c.turns),
            f"{c.latency_ms_total / c.turns:.0f} ms" if c.turns else "-")
    return out


def rollouts(rows: list[ropb.Rollout]) -> RenderableType:
    if not rows:
        return Text("No rollouts.")
    out = table("ROLLOUT", "CANDIDATE", "SHARE", "PHASE", "STARTED (UTC)", "BY", "ENDED")
    for r in rows:
        row(out, r.rollout_id, f"v{r.candidate_version}", percent(r.share_bp),
            PHASES.get(r.phase, ("?", ""))[0], when(r.create_time), r.created_by,
            r.end_reason)
    return out


def schedules(rows: list[spb.Schedule]) -> RenderableType:
    if not rows:
        return Text("No scheduled publishes.")
    out = table("SCHEDULE", "RUN AT (UTC)", "STATE", "REVISION", "MESSAGE", "RESULT")
    for s in rows:
        result = f"v{s.result_version}" if s.result_version else s.outcome
        if s.rollout_id:
            result += f", rollout {s.rollout_id}"
        row(out, s.schedule_id, when(s.run_time), STATES.get(s.state, "?"),
            s.reviewed_revision, s.message, result)
    return out
