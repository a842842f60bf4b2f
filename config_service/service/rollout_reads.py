"""Reading rollouts, and the outcome counts runtimes forward for the guards."""

from __future__ import annotations

from collections.abc import Sequence

from agentconfig.errors import invalid
from agentconfig.rollout_guards import OutcomeCounts
from config_service.domain.rollouts import Rollout
from config_service.service import paging
from config_service.service.common import workspace
from config_service.service.ports import UnitOfWorkFactory
from config_service.service.rollouts import rollout_not_found

MAX_REPORTER = 200
MAX_REPORTED_VERSIONS = 10
MAX_COUNT = 2**62  # int64 sums of many reporters stay in range


async def get(uowf: UnitOfWorkFactory, workspace_id: str, rollout_id: str = "",
              ) -> tuple[Rollout, dict[int, OutcomeCounts]]:
    """The rollout named, or (no id) the workspace's latest one, with its outcomes."""
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        found = await (uow.repo.get_rollout(ws.id, rollout_id) if rollout_id
                       else uow.repo.latest_rollout(ws.id))
        if found is None:
            raise rollout_not_found(ws.id, rollout_id)
        outcomes = await uow.repo.outcome_totals(ws.id, found.rollout_id)
    return found, outcomes


async def active(uowf: UnitOfWorkFactory, workspace_id: str) -> Rollout | None:
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        latest = await uow.repo.latest_rollout(ws.id)
    return latest if latest is not None and latest.active else None


async def list_rollouts(uowf: UnitOfWorkFactory, workspace_id: str, size: int, token: str,
                        ) -> tuple[list[Rollout], str]:
    limit = paging.page_size(size)
    query = ["rollouts", workspace_id]
    cursor = paging.offset(token, query)
    async with uowf(read_only=True) as uow:
        ws = await workspace(uow.repo, workspace_id)
        rows = await uow.repo.list_rollouts(ws.id, cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, paging.encode(rows[-1].sequence, query) if more else ""


async def report_outcomes(uowf: UnitOfWorkFactory, workspace_id: str, rollout_id: str,
                          reporter: str, outcomes: Sequence[tuple[int, OutcomeCounts]]) -> None:
    """Counts for a rollout that ended are still kept (they explain an abort) but change
    nothing: the guards only look at active rollouts."""
    _check_report(reporter, outcomes)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id)
        if not rollout_id or await uow.repo.get_rollout(ws.id, rollout_id) is None:
            raise rollout_not_found(ws.id, rollout_id)
        for version, counts in outcomes:
            await uow.repo.put_outcomes(ws.id, rollout_id, reporter, version, counts)
        await uow.commit()


def _check_report(reporter: str, outcomes: Sequence[tuple[int, OutcomeCounts]]) -> None:
    if not reporter or len(reporter) > MAX_REPORTER or "\x00" in reporter:
        raise invalid("reporter", f"is required, at most {MAX_REPORTER} characters", "BAD_ID")
    if len(outcomes) > MAX_REPORTED_VERSIONS:
        raise invalid("outcomes", f"at most {MAX_REPORTED_VERSIONS} versions", "TOO_MANY")
    for i, (version, counts) in enumerate(outcomes):
        if version <= 0:
            raise invalid(f"outcomes[{i}].version", "must be a version number", "BAD_VERSION")
        values = counts.as_tuple()
        if any(not 0 <= v <= MAX_COUNT for v in values):
            raise invalid(f"outcomes[{i}].counts", "counts must be 0 to 2^62", "BAD_COUNT")
        if max(counts.errors, counts.escalations, counts.negative_feedback) > counts.turns:
            raise invalid(f"outcomes[{i}].counts", "an outcome count exceeds the turns",
                          "BAD_COUNT")
