"""The Draft "unless the caller holds it", on both engines: at the revision the caller
names, only the workspace row is read (no manifest, no entity bodies); at any other
revision, the whole Draft; a negative revision is refused by field."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

import pytest

from agentconfig.errors import InvalidArgument
from config_service.adapters.sql.repository import SqlRepository
from config_service.adapters.sql.uow import SqlUnitOfWork, SqlUnitOfWorkFactory
from config_service.domain.model import Spec
from config_service.service import history
from config_service.service.ports import Manifest, Repository
from tests.unit.use_case_helpers import draft_with_agent, edit_agent


class _Reads(SqlRepository):
    """The real repository, noting the reads of the Draft's content."""

    def __init__(self, inner: Repository, log: list[str]) -> None:
        self.__dict__.update(inner.__dict__)
        self.log = log

    async def draft_manifest(self, workspace_id: str) -> Manifest:
        self.log.append("draft_manifest")
        return await super().draft_manifest(workspace_id)

    async def get_specs(self, hashes: Sequence[str]) -> dict[str, Spec]:
        self.log.append("get_specs")
        return await super().get_specs(hashes)


class _Uow(SqlUnitOfWork):
    log: list[str]

    async def __aenter__(self) -> Self:
        await super().__aenter__()
        self.repo = _Reads(self.repo, self.log)
        return self


class _Watched(SqlUnitOfWorkFactory):
    def __init__(self, inner: SqlUnitOfWorkFactory) -> None:
        super().__init__(inner.engine)
        self.log: list[str] = []

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        uow = _Uow(self.engine, read_only)
        uow.log = self.log
        return uow


async def test_the_held_revision_reads_only_the_workspace(uowf: SqlUnitOfWorkFactory,
                                                          ws_id: str) -> None:
    revision = await draft_with_agent(uowf, ws_id)
    watched = _Watched(uowf)
    assert await history.draft_snapshot_since(watched, ws_id, revision) == (revision, None)
    assert watched.log == []
    current, full = await history.draft_snapshot_since(watched, ws_id, revision - 1)
    assert full is not None and (current, full.draft_revision) == (revision, revision)
    assert watched.log == ["draft_manifest", "get_specs"]


async def test_an_edit_moves_the_revision_past_the_held_one(uowf: SqlUnitOfWorkFactory,
                                                            ws_id: str) -> None:
    held = await draft_with_agent(uowf, ws_id)
    before = await history.draft_snapshot(uowf, ws_id)
    await edit_agent(uowf, ws_id, "Edited.")
    current, after = await history.draft_snapshot_since(uowf, ws_id, held)
    assert after is not None and current == after.draft_revision > held
    assert after.content_hash != before.content_hash


async def test_no_revision_and_a_negative_one(uowf: SqlUnitOfWorkFactory, ws_id: str) -> None:
    revision = await draft_with_agent(uowf, ws_id)
    _, full = await history.draft_snapshot_since(uowf, ws_id, 0)
    assert full is not None and full.draft_revision == revision
    with pytest.raises(InvalidArgument) as refused:
        await history.draft_snapshot_since(uowf, ws_id, -1)
    assert [(v.field, v.reason) for v in refused.value.violations] == [
        ("known_draft_revision", "OUT_OF_RANGE")]
