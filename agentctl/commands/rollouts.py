"""``agentctl rollout``: a staged rollout of a version to a share of new conversations
(start, status, step, promote, abort, list). docs/rollouts.md has the model."""

from __future__ import annotations

from typing import Annotated

import typer
from google.protobuf.duration_pb2 import Duration

from agentconfig.rollouts import RolloutRuleError, parse_duration, parse_share, parse_steps
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import rollouts_pb2 as ropb
from agentctl.client import Connection
from agentctl.commands import conn, parse_version
from agentctl.commands.publishing import YesOpt, confirm
from agentctl.errors import CliError
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, say
from agentctl.stagedview import percent
from agentctl.stagedview import rollout as draw
from agentctl.stagedview import rollouts as draw_list

app = typer.Typer(no_args_is_help=True, help="Staged rollouts: a version to a share of new "
                  "conversations first, then promote or abort.")


def _share(text: str, option: str) -> int:
    try:
        return parse_share(text)
    except RolloutRuleError as exc:
        raise typer.BadParameter(str(exc), param_hint=option) from None


def _steps(text: str) -> tuple[int, ...]:
    try:
        return parse_steps(text)
    except RolloutRuleError as exc:
        raise typer.BadParameter(str(exc), param_hint="--steps") from None


def _seconds(text: str) -> int:
    try:
        return int(parse_duration(text).total_seconds())
    except RolloutRuleError as exc:
        raise typer.BadParameter(str(exc), param_hint="--every") from None


def _current(c: Connection, rollout_id: str = "") -> ropb.GetRolloutResponse:
    return c.call(c.stub.GetRollout, ropb.GetRolloutRequest(workspace_id=c.workspace,
                                                            rollout_id=rollout_id))


def _active(c: Connection) -> ropb.Rollout:
    found = _current(c).rollout
    if found.phase != ropb.ROLLOUT_PHASE_ACTIVE:
        raise CliError(f"no rollout in progress in {c.workspace} (the latest, "
                       f"{found.rollout_id}, ended: {found.end_reason})")
    return found


def _show(found: ropb.Rollout, outcomes: list[ropb.VersionOutcomes], output: Output,
          status: cpb.GetRolloutStatusResponse | None = None) -> None:
    data = {"rollout": as_dict(found), "outcomes": [as_dict(o) for o in outcomes]}
    if status is not None:
        data["replicas"] = [as_dict(r) for r in status.replicas]
    emit(data, output, lambda: draw(found, outcomes, status))


@app.command()
def start(ctx: typer.Context,
          version: Annotated[int, typer.Argument(metavar="vN", parser=parse_version)],
          share: Annotated[str | None, typer.Option(
              "--percent", "-p", help="Share of new conversations to start with, e.g. 10.")] = None,
          steps: Annotated[str | None, typer.Option(
              "--steps", help="Rising shares, e.g. 10,50,100 (the first is the start).")] = None,
          every: Annotated[str | None, typer.Option(
              "--every", help="Move to the next step this often (30m, 2h); default: by hand.",
          )] = None,
          channels: Annotated[str | None, typer.Option(
              "--channels", help="Comma-separated channel ids; default: every channel.")] = None,
          guards: Annotated[list[str] | None, typer.Option(
              "--guard", help="Abort by itself when this holds, e.g. "
              "'error_rate > production + 2%, min 200' (repeatable).")] = None,
          output: Output = OUTPUT_OPTION) -> None:
    """Start rolling out vN (a staged version: `agentctl publish --stage`)."""
    if share is None and steps is None:
        raise typer.BadParameter("give --percent or --steps", param_hint="--percent")
    planned = _steps(steps) if steps else (_share(share or "", "--percent"),)
    if share is not None and steps and planned[0] != _share(share, "--percent"):
        raise typer.BadParameter("--percent must be the first of --steps", param_hint="--steps")
    request = ropb.StartRolloutRequest(
        workspace_id="", candidate_version=version, steps_bp=list(planned),
        channel_ids=[x.strip() for x in (channels or "").split(",") if x.strip()],
        guards=guards or [])
    if every:
        request.every.CopyFrom(Duration(seconds=_seconds(every)))
    c = conn(ctx)
    request.workspace_id = c.workspace
    started = c.call(c.stub.StartRollout, request).rollout
    _show(started, [], output)


@app.command()
def status(ctx: typer.Context,
           rollout_id: Annotated[str, typer.Argument(
               help="A rollout id; default: the workspace's latest.")] = "",
           output: Output = OUTPUT_OPTION) -> None:
    """The rollout: share, steps, channels, guards, reported outcomes per version, and the
    rollout sequence each replica serves by."""
    c = conn(ctx)
    answer = _current(c, rollout_id)
    status = c.call(c.stub.GetRolloutStatus, cpb.GetRolloutStatusRequest(
        workspace_id=c.workspace))
    _show(answer.rollout, list(answer.outcomes), output, status)


@app.command()
def step(ctx: typer.Context,
         to: Annotated[str | None, typer.Option(
             "--to", help="The share to move to (one of the steps); default: the next step.",
         )] = None,
         output: Output = OUTPUT_OPTION) -> None:
    """Move the rollout in progress up a step."""
    c = conn(ctx)
    current = _active(c)
    request = ropb.AdvanceRolloutRequest(workspace_id=c.workspace,
                                         rollout_id=current.rollout_id,
                                         expected_sequence=current.sequence)
    if to is not None:
        wanted = _share(to, "--to")
        if wanted not in current.steps_bp:
            shown = ", ".join(percent(s) for s in current.steps_bp)
            raise typer.BadParameter(f"not one of the steps ({shown})", param_hint="--to")
        request.step_index = list(current.steps_bp).index(wanted)
    _show(c.call(c.stub.AdvanceRollout, request).rollout, [], output)


@app.command()
def promote(ctx: typer.Context, yes: YesOpt = False) -> None:
    """Make the candidate Production (every new conversation, every channel)."""
    c = conn(ctx)
    current = _active(c)
    if not yes and not confirm(f"Promote v{current.candidate_version} to Production?"):
        raise CliError("not promoted")
    c.call(c.stub.PromoteRollout, ropb.PromoteRolloutRequest(
        workspace_id=c.workspace, rollout_id=current.rollout_id,
        expected_sequence=current.sequence))
    say(f"v{current.candidate_version} is Production", style="bold green")


@app.command()
def abort(ctx: typer.Context,
          reason: Annotated[str, typer.Option("--reason", help="Why (recorded).")] = "",
          yes: YesOpt = False) -> None:
    """Send every new conversation back to Production at once."""
    c = conn(ctx)
    current = _active(c)
    if not yes and not confirm(f"Abort the rollout of v{current.candidate_version}?"):
        raise CliError("not aborted")
    c.call(c.stub.AbortRollout, ropb.AbortRolloutRequest(
        workspace_id=c.workspace, rollout_id=current.rollout_id, reason=reason,
        expected_sequence=current.sequence))
    say(f"rollout {current.rollout_id} aborted: new conversations get Production",
        style="bold yellow")


@app.command("list")
def list_rollouts(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """The workspace's rollouts, newest first."""
    c = conn(ctx)
    rows = c.call(c.stub.ListRollouts, ropb.ListRolloutsRequest(
        workspace_id=c.workspace, page_size=100)).rollouts
    emit([as_dict(r) for r in rows], output, lambda: draw_list(list(rows)))
