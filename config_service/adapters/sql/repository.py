"""The Repository port over SQLAlchemy Core on one connection (one transaction), assembled
from its parts: repo_draft.py, repo_versions.py, repo_live.py, repo_testing.py and
repo_rollouts.py."""

from __future__ import annotations

from config_service.adapters.sql.repo_changes import ChangeStore
from config_service.adapters.sql.repo_delta import DeltaStore
from config_service.adapters.sql.repo_draft import DraftStore
from config_service.adapters.sql.repo_live import LiveStore
from config_service.adapters.sql.repo_rollouts import RolloutSqlStore
from config_service.adapters.sql.repo_schedules import ScheduleSqlStore
from config_service.adapters.sql.repo_testing import TestingStore
from config_service.adapters.sql.repo_versions import VersionStore
from config_service.service.ports import Repository


class SqlRepository(DraftStore, VersionStore, LiveStore, TestingStore, RolloutSqlStore,
                    ScheduleSqlStore, ChangeStore, DeltaStore, Repository):
    """Every storage operation of the config service, for Postgres and SQLite alike."""
