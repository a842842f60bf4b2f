"""The ports the use cases need. Adapters implement them (SQLAlchemy on Postgres or SQLite);
``bootstrap`` picks which.

A unit of work is one database transaction: nothing is kept unless ``commit()`` is called.
Every write use case starts with ``lock_workspace``, which serialises writers of one
workspace across processes (SELECT ... FOR UPDATE on Postgres), so revision counters and
version numbers never race.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from config_service.domain.auth import ApiKeyRecord
from config_service.domain.model import (
    AuditEvent,
    Channel,
    DraftBackup,
    DraftEntity,
    Key,
    Spec,
    Version,
    Workspace,
)
from config_service.domain.testcases import CaseResultRow, TestCase, TestRun
from config_service.service.change_ports import ChangeReader, EntityChange
from config_service.service.delta_ports import DeltaReader
from config_service.service.rollout_ports import RolloutStore
from config_service.service.schedule_ports import ScheduleStore

Manifest = dict[Key, str]  # (kind, id) -> entity content hash


class Repository(RolloutStore, ScheduleStore, ChangeReader, DeltaReader):
    """Every storage operation of the use cases (the staged-rollout part is declared in
    rollout_ports.py, schedules in schedule_ports.py)."""

    # workspaces
    @abc.abstractmethod
    async def add_workspace(self, workspace: Workspace) -> None: ...
    @abc.abstractmethod
    async def get_workspace(self, workspace_id: str) -> Workspace | None: ...
    @abc.abstractmethod
    async def lock_workspace(self, workspace_id: str) -> Workspace | None: ...
    @abc.abstractmethod
    async def save_workspace(self, workspace: Workspace) -> None: ...
    @abc.abstractmethod
    async def list_workspaces(self, after: str, limit: int) -> list[Workspace]: ...

    # content-addressed entity bodies, shared by the Draft, versions and backups
    @abc.abstractmethod
    async def put_blobs(self, blobs: dict[str, tuple[str, str, Spec]]) -> None:
        """hash -> (kind, id, spec); existing hashes are left as they are."""
    @abc.abstractmethod
    async def get_specs(self, hashes: Sequence[str]) -> dict[str, Spec]: ...

    # the Draft
    @abc.abstractmethod
    async def draft_entities(self, workspace_id: str, kind: str | None = None,
                             after: Key | None = None, limit: int | None = None,
                             ) -> list[DraftEntity]: ...
    @abc.abstractmethod
    async def draft_entity(self, workspace_id: str, key: Key) -> DraftEntity | None: ...
    @abc.abstractmethod
    async def draft_manifest(self, workspace_id: str) -> Manifest: ...
    @abc.abstractmethod
    async def put_draft_entity(self, workspace_id: str, entity: DraftEntity) -> None: ...
    @abc.abstractmethod
    async def delete_draft_entity(self, workspace_id: str, key: Key) -> None: ...
    @abc.abstractmethod
    async def count_draft_entities(self, workspace_id: str) -> int: ...

    # versions
    @abc.abstractmethod
    async def add_version(self, version: Version, changes: Sequence[EntityChange]) -> None:
        """Store the version; ``changes`` are against the latest version, and entity rows
        are written (and closed) only for them."""
    @abc.abstractmethod
    async def get_version(self, workspace_id: str, number: int) -> Version | None: ...
    @abc.abstractmethod
    async def version_by_request(self, workspace_id: str, request_id: str,
                                 ) -> Version | None:
        """The version a request id created, with that request's fingerprint."""
    @abc.abstractmethod
    async def list_versions(self, workspace_id: str, before: int, limit: int,
                            ) -> list[Version]: ...
    @abc.abstractmethod
    async def version_manifest(self, workspace_id: str, number: int) -> Manifest: ...

    # outbox: production moves to be announced
    @abc.abstractmethod
    async def add_outbox(self, workspace_id: str, version: int, content_hash: str) -> None: ...

    # Draft backups (what a restore replaced)
    @abc.abstractmethod
    async def add_backup(self, backup: DraftBackup, manifest: Manifest) -> None: ...
    @abc.abstractmethod
    async def get_backup(self, workspace_id: str, backup_id: str,
                         ) -> tuple[DraftBackup, Manifest] | None: ...
    @abc.abstractmethod
    async def list_backups(self, workspace_id: str, offset: int, limit: int,
                           ) -> list[DraftBackup]: ...

    # channels (live data)
    @abc.abstractmethod
    async def add_channel(self, channel: Channel) -> None: ...
    @abc.abstractmethod
    async def get_channel(self, workspace_id: str, channel_id: str) -> Channel | None: ...
    @abc.abstractmethod
    async def save_channel(self, channel: Channel) -> None: ...
    @abc.abstractmethod
    async def delete_channel(self, workspace_id: str, channel_id: str) -> None: ...
    @abc.abstractmethod
    async def list_channels(self, workspace_id: str, after: str = "",
                            limit: int | None = None) -> list[Channel]: ...

    # test cases and runs (live data)
    @abc.abstractmethod
    async def add_test_case(self, case: TestCase) -> None: ...
    @abc.abstractmethod
    async def get_test_case(self, workspace_id: str, test_case_id: str,
                            ) -> TestCase | None: ...
    @abc.abstractmethod
    async def save_test_case(self, case: TestCase) -> None: ...
    @abc.abstractmethod
    async def delete_test_case(self, workspace_id: str, test_case_id: str) -> None: ...
    @abc.abstractmethod
    async def list_test_cases(self, workspace_id: str, after: str = "",
                              limit: int | None = None) -> list[TestCase]: ...
    @abc.abstractmethod
    async def count_test_cases(self, workspace_id: str) -> int: ...
    @abc.abstractmethod
    async def test_case_etags(self, workspace_id: str) -> dict[str, str]: ...
    @abc.abstractmethod
    async def add_test_run(self, run: TestRun) -> int:
        """Store the run with its case results; its storage sequence number."""
    @abc.abstractmethod
    async def get_test_run(self, workspace_id: str, test_run_id: str) -> TestRun | None: ...
    @abc.abstractmethod
    async def list_test_runs(self, workspace_id: str, before: int, limit: int,
                             ) -> list[TestRun]:
        """Newest first, without their case results."""
    @abc.abstractmethod
    async def draft_case_results(self, workspace_id: str, draft_revision: int,
                                 ) -> tuple[int, list[CaseResultRow]]:
        """How many runs are stored on that Draft revision, and their case results."""


    # access: API keys and the audit log
    @abc.abstractmethod
    async def add_key(self, key: ApiKeyRecord) -> None: ...
    @abc.abstractmethod
    async def get_key(self, key_id: str) -> ApiKeyRecord | None: ...
    @abc.abstractmethod
    async def save_key(self, key: ApiKeyRecord) -> None: ...
    @abc.abstractmethod
    async def list_keys(self, workspace_id: str, offset: int, limit: int,
                        ) -> list[ApiKeyRecord]: ...
    @abc.abstractmethod
    async def add_audit(self, event: AuditEvent) -> None: ...
    @abc.abstractmethod
    async def list_audit(self, workspace_id: str, before: int, limit: int,
                         ) -> list[AuditEvent]: ...


class UnitOfWork(abc.ABC):
    """A store that is down or does not answer in time comes out of it as ``Unavailable``
    (the adapter translates), so use cases never handle a driver's exceptions."""

    repo: Repository

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.rollback()

    @abc.abstractmethod
    async def commit(self) -> None: ...
    @abc.abstractmethod
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(abc.ABC):
    @abc.abstractmethod
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A new unit of work. ``read_only=True`` for one that only reads: every read in it
        sees one consistent snapshot, so a Draft revision or etag it returns belongs to the
        content it returns, whatever editors commit meanwhile."""


class Announcer(abc.ABC):
    """Wakes whatever delivers production moves (the outbox relay) after a commit."""

    @abc.abstractmethod
    def poke(self) -> None: ...


class RolloutReader(abc.ABC):
    """Reads what each runtime replica reports it serves (reports expire on their own)."""

    @abc.abstractmethod
    async def reports(self, workspace_id: str) -> list[dict[str, object]]:
        """Each: replica_id, version, content_hash, load_time and report_time (epoch s)."""


class ChannelsAnnouncer(abc.ABC):
    """Tells runtimes that a workspace's channel bindings changed (best effort: they also
    re-read bindings on their periodic reconcile). Must not raise."""

    @abc.abstractmethod
    async def channels_changed(self, workspace_id: str) -> None: ...


class KeysAnnouncer(abc.ABC):
    """Tells runtimes a key was revoked, so their caches drop it at once. Must not raise."""

    @abc.abstractmethod
    async def key_revoked(self, key_id: str) -> None: ...
