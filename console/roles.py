"""Which role a key has in a workspace, asked of the config service (GetCaller): the role
decides what a page offers; the services enforce every call with the key anyway."""

from __future__ import annotations

from agentconfig.v1 import config_service_pb2 as cpb
from console.backend import Backend
from console.errors import Forbidden

VIEWER, EDITOR, PUBLISHER, ADMIN = 1, 2, 3, 4


async def role_of(backend: Backend, key: str, workspace: str) -> int:
    """The key's role in ``workspace``; ConsoleError if the key or the workspace is not
    accepted (an unknown workspace and one of another key look the same, on purpose)."""
    await backend.call(backend.config.GetWorkspace,
                       cpb.GetWorkspaceRequest(workspace_id=workspace), key)
    caller = await backend.call(backend.config.GetCaller, cpb.GetCallerRequest(), key)
    if caller.role not in (VIEWER, EDITOR, PUBLISHER, ADMIN):  # a channel or service key
        raise Forbidden("this key cannot sign in to the console: a channel key reads "
                        "production only", status=403, reason="ROLE_REQUIRED")
    return int(caller.role)
