"""Which role a key has in a workspace. The API has no "who am I" call, but its access
check runs before any handler, so a request that would change nothing tells the roles
apart: PERMISSION_DENIED means the key lacks the role, any other answer (NOT_FOUND, an
empty list, a validate-only report) means it has it. Nothing is written by these probes."""

from __future__ import annotations

from google.protobuf.message import Message

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import schedules_pb2 as spb
from console.backend import Backend
from console.errors import ConsoleError, Forbidden

VIEWER, EDITOR, PUBLISHER, ADMIN = 1, 2, 3, 4


async def _allowed(backend: Backend, method: str, request: Message, key: str) -> bool:
    try:
        await backend.call(getattr(backend.config, method), request, key)
    except Forbidden as exc:
        if exc.status == 403:
            return False
        raise
    except ConsoleError:
        return True
    return True


async def role_of(backend: Backend, key: str, workspace: str) -> int:
    """The key's role in ``workspace``; ConsoleError if the key or the workspace is not
    accepted (an unknown workspace and one of another key look the same, on purpose)."""
    await backend.call(backend.config.GetWorkspace,
                       cpb.GetWorkspaceRequest(workspace_id=workspace), key)
    if await _allowed(backend, "ListApiKeys",
                      cpb.ListApiKeysRequest(workspace_id=workspace, page_size=1), key):
        return ADMIN
    if await _allowed(backend, "CancelSchedule",
                      spb.CancelScheduleRequest(workspace_id=workspace, schedule_id=""), key):
        return PUBLISHER
    if await _allowed(backend, "ApplyDraftEntities", cpb.ApplyDraftEntitiesRequest(
            workspace_id=workspace, validate_only=True), key):
        return EDITOR
    return VIEWER
