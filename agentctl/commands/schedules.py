"""``agentctl schedule``: the workspace's scheduled publishes (``agentctl publish --at``
makes one): list them, cancel a pending one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

import typer

from agentconfig.rollouts import RolloutRuleError, parse_duration
from agentconfig.v1 import schedules_pb2 as spb
from agentctl.commands import conn
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, say
from agentctl.stagedview import schedules as draw

app = typer.Typer(no_args_is_help=True, help="Scheduled publishes: list, cancel.")
_RELATIVE = re.compile(r"^\s*(?:\+|in\s+)(.+)$")


def parse_time(text: str, now: datetime | None = None) -> datetime:
    """``+30m`` / ``in 2h`` from now, or an ISO 8601 time (UTC unless it names an offset)."""
    relative = _RELATIVE.match(text)
    try:
        if relative:
            return (now or datetime.now(UTC)) + parse_duration(relative[1])
        parsed = datetime.fromisoformat(text.strip())
    except (RolloutRuleError, ValueError):
        raise typer.BadParameter(f"{text!r} is not a time: write +30m, in 2h, or "
                                 "2026-12-01T09:00Z", param_hint="--at") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@app.command("list")
def list_schedules(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """Scheduled publishes, newest first, with what became of each."""
    c = conn(ctx)
    rows = c.call(c.stub.ListSchedules, spb.ListSchedulesRequest(
        workspace_id=c.workspace, page_size=100)).schedules
    emit([as_dict(s) for s in rows], output, lambda: draw(list(rows)))


@app.command()
def cancel(ctx: typer.Context,
           schedule_id: Annotated[str, typer.Argument(help="As `schedule list` shows it.")],
           ) -> None:
    """Cancel a pending scheduled publish."""
    c = conn(ctx)
    c.call(c.stub.CancelSchedule, spb.CancelScheduleRequest(workspace_id=c.workspace,
                                                            schedule_id=schedule_id))
    say(f"schedule {schedule_id} cancelled", style="bold yellow")
