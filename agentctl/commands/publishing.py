"""Changing Production: ``publish -m MSG`` (review the diff, confirm, publish exactly the
reviewed Draft revision) and ``rollback vN`` (restore vN into the Draft, review, publish;
or ``--emergency``: one step). Both then follow the rollout until the replicas serve it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import typer
from google.protobuf.timestamp_pb2 import Timestamp
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import schedules_pb2 as spb
from agentctl import diffview, rollout
from agentctl.client import Connection
from agentctl.commands import conn, parse_version, schedules
from agentctl.commands.suite_runs import suite_status
from agentctl.errors import CliError, Conflict, Invalid
from agentctl.output import console, note, say

YesOpt = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]
NoWaitOpt = Annotated[bool, typer.Option(
    "--no-wait", help="Do not follow the rollout after publishing.")]
WaitTimeoutOpt = Annotated[float, typer.Option(
    "--wait-timeout", min=0, metavar="SECONDS",
    help="How long to follow the rollout until every replica serves the new version.")]


def draft_diff(c: Connection) -> tuple[cpb.DiffDraftResponse, str]:
    answer = c.call(c.stub.DiffDraft, cpb.DiffDraftRequest(workspace_id=c.workspace))
    production = f"v{answer.production_version}" if answer.production_version \
        else "nothing published yet"
    return answer, f"Draft (revision {answer.draft_revision}) vs Production ({production})"


def confirm(question: str) -> bool:
    """False when the user says no or stdin is closed (no prompt can be answered)."""
    try:
        return typer.confirm(question, default=False, err=True)
    except typer.Abort:
        note("")
        return False


def published(c: Connection, version: cpb.Version, wait_seconds: float | None) -> None:
    """Print the new version, then follow its rollout unless ``wait_seconds`` is None."""
    line = Text(f"Published v{version.number}", style="bold green")
    line.append(f"  hash {version.content_hash[:12]}  by {version.author}: {version.message}")
    say(line)
    if wait_seconds is not None:
        rollout.wait(c, version.number, wait_seconds)


def publish_reviewed(c: Connection, revision: int, message: str, *, stage: bool = False,
                     abort_rollout: bool = False) -> cpb.Version:
    try:
        return c.call(c.stub.PublishDraft, cpb.PublishDraftRequest(
            workspace_id=c.workspace, reviewed_revision=revision, message=message,
            request_id=str(uuid.uuid4()), stage_only=stage,
            abort_rollout=abort_rollout)).version
    except Conflict as exc:
        raise Conflict(f"the Draft changed since revision {revision} was reviewed; nothing "
                       f"was published. Run `agentctl diff` and publish again ({exc})",
                       exc.violations) from None


def publish(ctx: typer.Context,
            message: Annotated[str, typer.Option("--message", "-m", help="Why (required).")],
            yes: YesOpt = False,
            revision: Annotated[int | None, typer.Option(
                "--revision", help="Publish only if the Draft is still at this revision "
                "(as shown by `agentctl diff`).")] = None,
            no_wait: NoWaitOpt = False, wait_timeout: WaitTimeoutOpt = 30.0,
            at: Annotated[str | None, typer.Option(
                "--at", metavar="TIME", help="Publish at this time instead (+30m, in 2h, "
                "2026-12-01T09:00Z); the reviewed content is frozen now.")] = None,
            stage: Annotated[bool, typer.Option(
                "--stage", help="Write the version without making it Production: a "
                "candidate for `agentctl rollout start`.")] = False,
            abort_rollout: Annotated[bool, typer.Option(
                "--abort-rollout", help="If a staged rollout is in progress, abort it "
                "(otherwise the publish is refused).")] = False) -> None:
    """Show the Draft vs Production diff, confirm, publish it as the next version."""
    c = conn(ctx)
    answer, title = draft_diff(c)
    console.print(diffview.render(answer.diff, title))
    suite_status(c, answer.draft_revision)  # the latest test run on the Draft, beside it
    if not answer.diff.entries:
        say("Nothing to publish: the Draft matches Production.")
        return
    reviewed = revision if revision is not None else answer.draft_revision
    run_at = schedules.parse_time(at) if at else None
    what = f"at {run_at:%Y-%m-%d %H:%M:%S} UTC" if run_at else "as a new version"
    if not yes and not confirm(f"Publish Draft revision {reviewed} {what}?"):
        raise CliError("not published")
    if run_at is not None:
        scheduled(c, reviewed, message, run_at)
        return
    version = publish_reviewed(c, reviewed, message, stage=stage, abort_rollout=abort_rollout)
    if stage:
        say(f"Staged v{version.number} (Production is still v{version.previous_version}); "
            f"roll it out with `agentctl rollout start v{version.number} --percent 10`",
            style="bold green")
        return
    published(c, version, None if no_wait else wait_timeout)


def scheduled(c: Connection, revision: int, message: str, run_at: datetime) -> None:
    stamp = Timestamp()
    stamp.FromDatetime(run_at)
    made = c.call(c.stub.SchedulePublish, spb.SchedulePublishRequest(
        workspace_id=c.workspace, reviewed_revision=revision, run_time=stamp,
        message=message)).schedule
    say(f"Scheduled {made.schedule_id}: Draft revision {revision} (frozen, hash "
        f"{made.content_hash[:12]}) publishes at {run_at:%Y-%m-%d %H:%M:%S} UTC",
        style="bold green")
    note(f"`agentctl -w {c.workspace} schedule list` follows it; "
         f"`schedule cancel {made.schedule_id}` cancels it")


def rollback(ctx: typer.Context,
             version: Annotated[int, typer.Argument(metavar="vN", parser=parse_version)],
             message: Annotated[str | None, typer.Option("--message", "-m")] = None,
             yes: YesOpt = False,
             emergency: Annotated[bool, typer.Option(
                 "--emergency", help="Restore and publish in one step (publisher role).",
             )] = False,
             no_wait: NoWaitOpt = False, wait_timeout: WaitTimeoutOpt = 30.0) -> None:
    """Put vN's content back: into the Draft (review, then publish), or straight to
    Production with --emergency."""
    c = conn(ctx)
    text = message or f"rollback to v{version}"
    wait = None if no_wait else wait_timeout
    if emergency:
        published(c, c.call(c.stub.RollbackToVersion, cpb.RollbackToVersionRequest(
            workspace_id=c.workspace, version=version, message=text,
            request_id=str(uuid.uuid4()))).version, wait)
        return
    production = c.call(c.stub.GetWorkspace, cpb.GetWorkspaceRequest(
        workspace_id=c.workspace)).workspace.production_version
    if version == production and not draft_diff(c)[0].diff.entries:
        # checked first: a rollback to Production that the Draft already holds changes
        # nothing (a Draft with other work is still replaced, and kept as a backup)
        raise Invalid(f"nothing to publish: v{version} is already Production and the Draft "
                      "holds it (nothing was changed)")
    draft = c.call(c.stub.GetDraft, cpb.GetDraftRequest(workspace_id=c.workspace)).draft
    restored = c.call(c.stub.RestoreVersion, cpb.RestoreVersionRequest(
        workspace_id=c.workspace, version=version, draft_revision=draft.revision))
    say(f"Draft now holds v{version}'s content (revision {restored.draft_revision}); "
        f"the replaced Draft is kept as backup {restored.backup_id}")
    note(f"To get the replaced Draft back: agentctl -w {c.workspace} backups restore "
         f"{restored.backup_id}")
    answer, title = draft_diff(c)
    console.print(diffview.render(answer.diff, title))
    if not answer.diff.entries:
        say("Nothing to publish: Production already has this content.")
        return
    if yes or confirm(f"Publish v{version}'s content as a new version?"):
        published(c, publish_reviewed(c, answer.draft_revision, text), wait)
    else:
        note(f"Not published. Review with `agentctl diff`, then `agentctl publish -m "
             f"\"{text}\"`.")


def register(app: typer.Typer) -> None:
    app.command()(publish)
    app.command()(rollback)
