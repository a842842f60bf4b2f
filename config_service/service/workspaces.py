"""Workspaces: the tenant boundary. Creating one also creates its empty Draft (revision 0)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

from agentconfig.errors import AlreadyExists, invalid
from config_service.domain import limits as L
from config_service.domain.auth import current_principal
from config_service.domain.model import Workspace
from config_service.service import audit, paging
from config_service.service.common import check_workspace_id, now, workspace
from config_service.service.ports import UnitOfWorkFactory


async def create_workspace(uowf: UnitOfWorkFactory, workspace_id: str, display_name: str,
                           ) -> Workspace:
    check_workspace_id(workspace_id)
    if len(display_name) > L.MAX_DISPLAY_NAME:
        raise invalid("display_name", f"is longer than {L.MAX_DISPLAY_NAME} characters",
                      "TOO_LONG")
    async with uowf() as uow:
        if await uow.repo.get_workspace(workspace_id):
            raise AlreadyExists(f"workspace {workspace_id!r} already exists",
                                reason="WORKSPACE_EXISTS",
                                metadata={"workspace_id": workspace_id})
        created = Workspace(workspace_id, display_name or workspace_id, now())
        await uow.repo.add_workspace(created)
        await uow.commit()
        return created


async def get_workspace(uowf: UnitOfWorkFactory, workspace_id: str) -> Workspace:
    async with uowf(read_only=True) as uow:
        return await workspace(uow.repo, workspace_id)


async def list_workspaces(uowf: UnitOfWorkFactory, size: int, token: str,
                          ) -> tuple[list[Workspace], str]:
    limit = paging.page_size(size)
    cursor = paging.after_id(token, ["workspaces"])
    principal = current_principal.get()
    async with uowf(read_only=True) as uow:
        if principal.workspace_id is not None:  # a key sees its own workspace only
            own = await uow.repo.get_workspace(principal.workspace_id)
            rows = [own] if own is not None and own.id > cursor else []
        else:
            rows = await uow.repo.list_workspaces(cursor, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, paging.encode(rows[-1].id, ["workspaces"]) if more else ""


@dataclass(frozen=True)
class Settings:
    """The whole of a workspace's settings: an update replaces every one of them."""

    two_person_rule: bool = False
    live_tool_ids: tuple[str, ...] = ()
    require_passing_tests: bool = False


def _check_settings(settings: Settings) -> None:
    ids = settings.live_tool_ids
    if len(ids) > L.MAX_LIVE_TOOLS:
        raise invalid("settings.live_tool_ids", f"has {len(ids)} items; the limit is "
                      f"{L.MAX_LIVE_TOOLS}", "TOO_MANY")
    for i, tool_id in enumerate(ids):
        if not L.ENTITY_ID.match(tool_id):
            raise invalid(f"settings.live_tool_ids[{i}]", f"{tool_id!r} is not a tool or MCP "
                          "server id", "BAD_ID")
        if tool_id in ids[:i]:
            raise invalid(f"settings.live_tool_ids[{i}]", f"{tool_id!r} is listed twice",
                          "DUPLICATE")


SETTING_NAMES = tuple(f.name for f in fields(Settings))


def _check_mask(paths: Sequence[str]) -> None:
    for i, path in enumerate(paths):
        if path not in SETTING_NAMES:
            raise invalid(f"update_mask.paths[{i}]", f"{path!r} is not a setting; settings: "
                          f"{', '.join(SETTING_NAMES)}", "UNKNOWN_SETTING")


async def update_settings(uowf: UnitOfWorkFactory, workspace_id: str, settings: Settings,
                          only: Sequence[str] = ()) -> Workspace:
    """``only`` names the settings to change (the others stay, so two admins changing
    different settings do not undo each other); empty: all of them. Audited with what
    changed (settings that stay as they were are not repeated)."""
    _check_mask(only)
    _check_settings(settings)
    names = set(only or SETTING_NAMES)
    async with uowf() as uow:
        ws = await workspace(uow.repo, workspace_id, lock=True)
        changed: dict[str, object] = {
            name: value for name, value in asdict(settings).items()
            if name in names and getattr(ws, name) != value}
        if changed:
            for name, value in changed.items():
                setattr(ws, name, value)
            await uow.repo.save_workspace(ws)
            await audit.record(uow.repo, ws.id, "workspace.settings", ws.id,
                               {k: list(v) if isinstance(v, tuple) else v
                                for k, v in changed.items()})
            await uow.commit()
        return ws
