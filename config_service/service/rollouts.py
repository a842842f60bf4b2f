"""Staged rollouts: starting one, and what every change shares (rollout_moves.py has the
steps, the promote and the abort; rollout_reads.py the reads).

Each change runs in one transaction under the workspace lock (the same lock publish takes),
takes the workspace's next rollout sequence, writes the audit event and an outbox notice,
and commits; the relay then tells the runtimes. So two operators (or two config-service
instances) racing on one rollout serialise, and the loser sees the state the winner left:
an ``expected_sequence`` that no longer matches is refused (ABORTED), never applied twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from agentconfig.errors import Conflict, FailedPrecondition, NotFound, invalid
from agentconfig.rollout_guards import MAX_GUARDS, parse_guard
from agentconfig.rollouts import MAX_CHANNELS, RolloutRuleError, check_steps
from config_service.domain.model import Workspace
from config_service.domain.rollouts import Phase, Rollout
from config_service.service import audit
from config_service.service.common import check_author, now, version_or_404, workspace
from config_service.service.ports import Announcer, Repository, UnitOfWorkFactory

MAX_EVERY_SECONDS = 30 * 86400
MAX_GUARD_TEXT = 200


@dataclass(frozen=True)
class StartRollout:
    workspace_id: str
    candidate_version: int
    steps: tuple[int, ...]  # basis points
    every_seconds: int = 0
    channels: tuple[str, ...] = ()
    guards: tuple[str, ...] = ()
    author: str = ""


def check_start(req: StartRollout) -> None:
    check_author(req.author)
    try:
        check_steps(req.steps)
    except RolloutRuleError as exc:
        raise invalid("steps", str(exc), "BAD_STEPS") from exc
    if not 0 <= req.every_seconds <= MAX_EVERY_SECONDS:
        raise invalid("every_seconds", f"must be 0 (by hand) to {MAX_EVERY_SECONDS}",
                      "BAD_DURATION")
    if len(req.channels) > MAX_CHANNELS or len(set(req.channels)) != len(req.channels):
        raise invalid("channels", f"at most {MAX_CHANNELS}, no repeats", "BAD_CHANNELS")
    if len(req.guards) > MAX_GUARDS:
        raise invalid("guards", f"at most {MAX_GUARDS}", "TOO_MANY")
    for i, text in enumerate(req.guards):
        if len(text) > MAX_GUARD_TEXT:
            raise invalid(f"guards[{i}]", f"is longer than {MAX_GUARD_TEXT}", "TOO_LONG")
        try:
            parse_guard(text)
        except RolloutRuleError as exc:
            raise invalid(f"guards[{i}]", str(exc), "BAD_GUARD") from exc


def clip(given: str, limit: int = 64) -> str:
    """A caller's id as an error may repeat it: an unbounded one would not fit the
    response's metadata (gRPC refuses trailers past 8 KiB)."""
    return given if len(given) <= limit else f"{given[:limit]}... ({len(given)} characters)"


def rollout_not_found(workspace_id: str, rollout_id: str) -> NotFound:
    shown = clip(rollout_id)
    return NotFound(f"no rollout {shown!r} in workspace {workspace_id!r}" if rollout_id
                    else f"workspace {workspace_id!r} has had no rollout",
                    reason="ROLLOUT_NOT_FOUND", metadata={"rollout_id": shown})


async def next_sequence(repo: Repository, workspace_id: str) -> int:
    latest = await repo.latest_rollout(workspace_id)
    return latest.sequence + 1 if latest else 1


async def active(repo: Repository, workspace_id: str) -> Rollout | None:
    latest = await repo.latest_rollout(workspace_id)
    return latest if latest is not None and latest.active else None


async def start(uowf: UnitOfWorkFactory, announcer: Announcer, req: StartRollout) -> Rollout:
    check_start(req)
    async with uowf() as uow:
        ws = await workspace(uow.repo, req.workspace_id, lock=True)
        rollout = await begin(uow.repo, ws, req)
        await uow.commit()
    announcer.poke()
    return rollout


async def begin(repo: Repository, ws: Workspace, req: StartRollout) -> Rollout:
    """Start one inside the caller's transaction (a scheduled publish starts its rollout in
    the transaction that writes the version); the request is already checked."""
    await _refuse_second(repo, ws)
    await version_or_404(repo, ws, req.candidate_version, "candidate_version")
    if req.candidate_version <= ws.production_version:
        raise FailedPrecondition(
            f"v{req.candidate_version} is not newer than Production "
            f"(v{ws.production_version}): roll out a newer version, or roll back",
            reason="CANDIDATE_NOT_NEWER",
            metadata={"production_version": str(ws.production_version)})
    await _check_channels(repo, ws, req.channels)
    at = now()
    rollout = Rollout(ws.id, f"r-{secrets.token_hex(5)}", await next_sequence(repo, ws.id),
                      req.candidate_version, ws.production_version, req.steps, 0,
                      req.every_seconds, at, req.channels, req.guards, at,
                      audit.actor(req.author))
    await repo.add_rollout(rollout)
    await announce(repo, rollout, "rollout.start", req.author, {
        "candidate_version": rollout.candidate_version, "steps": list(rollout.steps),
        "channels": list(rollout.channels), "guards": list(rollout.guards)})
    return rollout


async def _refuse_second(repo: Repository, ws: Workspace) -> None:
    current = await active(repo, ws.id)
    if current is not None:
        raise FailedPrecondition(
            f"rollout {current.rollout_id} of v{current.candidate_version} is in progress: "
            "promote or abort it first", reason="ROLLOUT_ACTIVE",
            metadata={"rollout_id": current.rollout_id})


async def _check_channels(repo: Repository, ws: Workspace, channels: tuple[str, ...]) -> None:
    if not channels:
        return
    known = {c.channel_id for c in await repo.list_channels(ws.id)}
    for i, channel in enumerate(channels):
        if channel not in known:
            raise invalid(f"channels[{i}]", f"channel {channel!r} does not exist",
                          "UNKNOWN_CHANNEL")


async def announce(repo: Repository, rollout: Rollout, action: str, author: str,
                    details: dict[str, object]) -> None:
    await repo.add_rollout_notice(rollout.workspace_id, rollout.sequence)
    await audit.record(repo, rollout.workspace_id, action, rollout.rollout_id,
                       {"sequence": rollout.sequence, "share_bp": rollout.share_bp,
                        **details}, author=author)


async def current_rollout(repo: Repository, ws: Workspace, rollout_id: str,
                   expected_sequence: int) -> Rollout:
    """The active rollout named, as the caller last saw it."""
    found = await repo.get_rollout(ws.id, rollout_id) if rollout_id else None
    if found is None:
        raise rollout_not_found(ws.id, rollout_id)
    if expected_sequence and expected_sequence != found.sequence:
        raise Conflict(f"rollout {rollout_id} moved on (sequence {found.sequence}, you saw "
                       f"{expected_sequence}): read it again", reason="STALE_SEQUENCE",
                       metadata={"current_sequence": str(found.sequence)})
    if not found.active:
        raise FailedPrecondition(f"rollout {rollout_id} already ended ({found.phase.value})",
                                 reason="ROLLOUT_ENDED", metadata={"phase": found.phase.value})
    return found


async def end(repo: Repository, current: Rollout, phase: Phase, author: str, reason: str,
              figures: dict[str, object] | None = None) -> Rollout:
    """Promote or abort inside the caller's transaction (the caller commits and pokes)."""
    ended = current.ended(phase, await next_sequence(repo, current.workspace_id), now(),
                          audit.actor(author), reason, figures)
    await repo.save_rollout(ended)
    details: dict[str, object] = {"candidate_version": ended.candidate_version}
    if phase is Phase.ABORTED:
        details |= {"reason": reason, "automatic": bool(figures)}
        if figures:
            details["figures"] = figures
    await announce(repo, ended, f"rollout.{'promote' if phase is Phase.PROMOTED else 'abort'}",
                   author, details)
    return ended
