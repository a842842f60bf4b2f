"""The workspace at a glance: what Production is, whether the Draft differs from it, which
version each runtime replica serves, and the latest versions."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from console.web import call, render, session


async def overview(request: Request) -> Response:
    ws = session(request).workspace
    found, draft, diff, status, versions = await asyncio.gather(
        call(request, "GetWorkspace", cpb.GetWorkspaceRequest(workspace_id=ws)),
        call(request, "GetDraft", cpb.GetDraftRequest(workspace_id=ws)),
        call(request, "DiffDraft", cpb.DiffDraftRequest(workspace_id=ws)),
        call(request, "GetRolloutStatus", cpb.GetRolloutStatusRequest(workspace_id=ws)),
        call(request, "ListVersions", cpb.ListVersionsRequest(workspace_id=ws, page_size=5)))
    return render(request, "overview.html", workspace=found.workspace, draft=draft.draft,
                  changed=len(diff.diff.entries), status=status, versions=versions.versions)


async def rollout_status(request: Request) -> Response:
    """The replicas table alone (htmx polls it on the overview)."""
    ws = session(request).workspace
    status = await call(request, "GetRolloutStatus",
                        cpb.GetRolloutStatusRequest(workspace_id=ws))
    return render(request, "_replicas.html", status=status)


routes = [Route("/", overview), Route("/replicas", rollout_status)]
