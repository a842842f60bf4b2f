"""A workspace ready for a staged rollout, and rollout requests, for the use-case tests."""

from __future__ import annotations

from config_service.adapters.sql.uow import SqlUnitOfWorkFactory
from config_service.service import publishing
from config_service.service.rollouts import StartRollout
from tests.unit.use_case_helpers import RecordingAnnouncer, draft_with_agent, edit_agent, publish


async def staged(uowf: SqlUnitOfWorkFactory, ws: str) -> None:
    """v1 in Production and v2 published with stage_only: a rollout's candidate."""
    await publish(uowf, ws, await draft_with_agent(uowf, ws))
    revision = await edit_agent(uowf, ws, "Be brief.")
    staged = await publishing.publish(uowf, RecordingAnnouncer(), publishing.PublishRequest(
        ws, "candidate", "ann", "", reviewed_revision=revision, stage_only=True))
    assert staged.number == 2


def req(ws: str, **kw: object) -> StartRollout:
    fields: dict[str, object] = {"candidate_version": 2, "steps": (1000, 5000, 10_000),
                                 "author": "ann", **kw}
    return StartRollout(ws, **fields)  # type: ignore[arg-type]
