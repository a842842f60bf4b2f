"""Publish and rollback: the only ways Production moves.

One transaction, under the workspace lock: check the request, take the next number
(latest + 1, so numbers are gap-free), write the version (entity rows only for what
changed), record an outbox row, move Production, commit. The relay announces it after.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from agentconfig.errors import (
    Conflict,
    DraftInvalid,
    FailedPrecondition,
    FieldViolation,
    NothingToPublish,
    invalid,
)
from config_service.domain import limits as L
from config_service.domain.model import OriginType, Version, Workspace
from config_service.domain.rollouts import Phase
from config_service.domain.validation import validate_draft
from config_service.service import audit, draft_delta, idempotency, rollouts
from config_service.service.change_ports import EntityChange
from config_service.service.common import (
    bump_revision,
    check_author,
    check_version_number,
    manifest_hash,
    now,
    production_manifest,
    specs_of,
    version_or_404,
    workspace,
)
from config_service.service.ports import Announcer, UnitOfWork, UnitOfWorkFactory
from config_service.service.restore import replace_draft
from config_service.service.suite_gate import require_passing_tests


@dataclass(frozen=True)
class PublishRequest:
    workspace_id: str
    message: str
    author: str
    request_id: str
    reviewed_revision: int | None = None  # None: a one-step rollback (no Draft reviewed)
    restore_version: int = 0  # the version a one-step rollback restores
    stage_only: bool = False  # write the version, leave Production: a rollout's candidate
    abort_rollout: bool = False  # end an active staged rollout instead of being refused

    @property
    def rpc(self) -> str:
        return idempotency.PUBLISH if self.reviewed_revision is not None \
            else idempotency.ROLLBACK

    def fingerprint(self) -> str:
        """What a retry with the same request id must repeat (see idempotency)."""
        target: dict[str, str | int] = {"version": self.restore_version} \
            if self.reviewed_revision is None else {"reviewed_revision": self.reviewed_revision}
        if self.stage_only:  # absent when False: fingerprints stored before stay valid
            target["stage_only"] = 1
        return idempotency.fingerprint(self.rpc, message=self.message, author=self.author,
                                       **target)


def check_text(field: str, value: str, limit: int) -> None:
    if len(value) > limit:
        raise invalid(field, f"is longer than {limit} characters", "TOO_LONG")
    if "\x00" in value:  # Postgres text cannot hold it
        raise invalid(field, "must not contain NUL characters", "BAD_CHARACTER")


def _check(req: PublishRequest) -> None:
    check_author(req.author)
    check_text("message", req.message, L.MAX_MESSAGE)
    check_text("request_id", req.request_id, L.MAX_REQUEST_ID)
    if req.reviewed_revision is None:
        check_version_number(req.restore_version)
    elif req.reviewed_revision <= 0:
        raise invalid("reviewed_revision", "is required: the Draft revision you reviewed "
                      "(DiffDraft returns it)", "REQUIRED")


async def publish(uowf: UnitOfWorkFactory, announcer: Announcer, req: PublishRequest,
                  ) -> Version:
    _check(req)
    async with uowf() as uow:
        ws = await workspace(uow.repo, req.workspace_id, lock=True)
        if req.request_id:
            earlier = await uow.repo.version_by_request(ws.id, req.request_id)
            if earlier is not None:
                return idempotency.replay(earlier, req.request_id, req.rpc,
                                          req.fingerprint())
        if not req.stage_only:
            await rollout_gate(uow, ws, req)
        if req.reviewed_revision is None:
            version = await _rollback(uow, ws, req)
        else:
            version = await _publish_draft(uow, ws, req)
        await uow.repo.mark_draft_synced(ws.id, version.number)  # the Draft equals it now
        await uow.commit()
    announcer.poke()
    return version


async def _publish_draft(uow: UnitOfWork, ws: Workspace, req: PublishRequest) -> Version:
    """Reads only what changed since Production (draft_delta.py), plus the Draft's count and
    hash, which the store computes without handing over its rows."""
    if req.reviewed_revision != ws.draft_revision:
        raise Conflict(
            f"the Draft is at revision {ws.draft_revision} but you reviewed revision "
            f"{req.reviewed_revision}: review the diff again, then publish",
            reason="STALE_REVISION",
            metadata={"current_revision": str(ws.draft_revision),
                      "reviewed_revision": str(req.reviewed_revision)})
    count, content_hash = await uow.repo.draft_digest(ws.id)
    refuse_empty(count)
    changes = await draft_delta.changes(uow.repo, ws)
    if not changes:
        raise unchanged(ws)
    refuse_invalid(await draft_delta.validate(uow.repo, ws, changes))
    await require_passing_tests(uow.repo, ws)  # the one-step rollback is not gated
    two_person_rule(ws, req, changes)
    restored_from = await _restored_from(uow, ws)
    origin = OriginType.RESTORED if restored_from else OriginType.DRAFT
    stored = changes if ws.latest_version == ws.production_version \
        else await uow.repo.draft_changes(ws.id, ws.latest_version)
    return await record(uow, ws, req, new_version(ws, req, content_hash, origin, restored_from,
                                                  ws.draft_revision, count, len(changes)),
                        stored)


async def _rollback(uow: UnitOfWork, ws: Workspace, req: PublishRequest) -> Version:
    await version_or_404(uow.repo, ws, req.restore_version)
    manifest = await uow.repo.version_manifest(ws.id, req.restore_version)
    previous = await production_manifest(uow.repo, ws)
    if manifest == previous:
        raise unchanged(ws)  # the Draft is left untouched
    draft = await uow.repo.draft_manifest(ws.id)
    if draft != manifest:
        await replace_draft(uow.repo, ws, draft, manifest, req.author,
                            f"rollback to v{req.restore_version}")
        bump_revision(ws, req.author)
    refuse_empty(len(manifest))
    refuse_invalid(validate_draft(await specs_of(uow.repo, manifest),
                                  await uow.repo.list_channels(ws.id)))
    latest = await uow.repo.version_manifest(ws.id, ws.latest_version)
    return await record(uow, ws, req, new_version(
        ws, req, manifest_hash(manifest), OriginType.ROLLBACK, req.restore_version, 0,
        len(manifest), len(draft_delta.between(previous, manifest))),
        draft_delta.between(latest, manifest))


def unchanged(ws: Workspace) -> NothingToPublish:
    return NothingToPublish(
        f"nothing to publish: the content equals Production (v{ws.production_version})",
        metadata={"production_version": str(ws.production_version)})


def refuse_empty(count: int) -> None:
    if not count:
        raise NothingToPublish("the Draft is empty: add entities before publishing",
                               reason="DRAFT_EMPTY")


def refuse_invalid(violations: list[FieldViolation]) -> None:
    if violations:
        raise DraftInvalid(f"the Draft has {len(violations)} problem(s); fix them and "
                           f"publish again (first: {violations[0].field}: "
                           f"{violations[0].description})", violations=violations)


def new_version(ws: Workspace, req: PublishRequest, content_hash: str, origin: str,
             restored_from: int, draft_revision: int, count: int, changed: int) -> Version:
    return Version(ws.id, ws.latest_version + 1, content_hash, req.author, req.message, now(),
                   origin, restored_from, draft_revision, count, changed, req.request_id,
                   ws.production_version, req.fingerprint() if req.request_id else "")


async def record(uow: UnitOfWork, ws: Workspace, req: PublishRequest, version: Version,
                  stored: Sequence[EntityChange]) -> Version:
    """Write the version (entity rows only for ``stored``, its change from the latest
    version), the outbox row and the audit event, and move Production."""
    await uow.repo.add_version(version, stored)
    if req.stage_only:
        action = "version.stage"
    else:
        await uow.repo.add_outbox(ws.id, version.number, version.content_hash)
        action = "version.rollback" if version.origin == OriginType.ROLLBACK \
            else "version.publish"
    await audit.record(uow.repo, ws.id, action, f"v{version.number}", {
                           "message": req.message, "content_hash": version.content_hash,
                           "previous_version": version.previous_version,
                           "restored_from": version.restored_from,
                           "request_id": req.request_id}, author=req.author)
    ws.latest_version = version.number
    if not req.stage_only:
        ws.production_version = ws.base_version = version.number
    await uow.repo.save_workspace(ws)
    return version


async def rollout_gate(uow: UnitOfWork, ws: Workspace, req: PublishRequest) -> None:
    """Production does not move under a staged rollout: its share would be measured against
    another baseline. Refused, unless the caller asks to end the rollout first (in this
    same transaction, so there is no moment without either)."""
    current = await rollouts.active(uow.repo, ws.id)
    if current is None:
        return
    if not req.abort_rollout:
        raise FailedPrecondition(
            f"rollout {current.rollout_id} of v{current.candidate_version} is in progress: "
            "promote or abort it, or ask this publish to abort it", reason="ROLLOUT_ACTIVE",
            metadata={"rollout_id": current.rollout_id})
    cause = "a publish of the Draft" if req.reviewed_revision is not None \
        else f"a rollback to v{req.restore_version}"
    await rollouts.end(uow.repo, current, Phase.ABORTED, req.author, f"aborted by {cause}")


def two_person_rule(ws: Workspace, req: PublishRequest, changes: Sequence[EntityChange],
                     ) -> None:
    """With the rule on, whoever last edited any part of what is published may not publish
    it: the Draft's last editor and each changed entity's last editor must differ from the
    publisher."""
    if not ws.two_person_rule:
        return
    editors = {ws.draft_updated_by} | {c.updated_by for c in changes if c.new}
    if req.author in editors:
        raise FailedPrecondition(
            "the two-person rule is on for this workspace: you edited what you are "
            "publishing, so someone else must publish it", reason="TWO_PERSON_RULE",
            metadata={"publisher": req.author})


async def _restored_from(uow: UnitOfWork, ws: Workspace) -> int:
    """A Draft restored from vN and published unchanged names vN as its origin."""
    if not ws.base_version or ws.base_version == ws.production_version:
        return 0
    unchanged = not await uow.repo.draft_changes(ws.id, ws.base_version)
    return ws.base_version if unchanged else 0
