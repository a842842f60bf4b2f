"""History: versions newest first with paging, one version's content, the diff of any two,
"Edit this version" (its content replaces the Draft; the replaced Draft is kept as a
backup and the page says which and how to get it back) and the one-step rollback."""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from console import entities, present
from console.web import EDITOR, PAGE_SIZE, PUBLISHER, call, form, render, session


async def history(request: Request) -> Response:
    ws = session(request).workspace
    token = request.query_params.get("page", "")
    page = await call(request, "ListVersions", cpb.ListVersionsRequest(
        workspace_id=ws, page_size=PAGE_SIZE, page_token=token))
    return render(request, "history.html", versions=page.versions,
                  next_page=page.next_page_token)


async def version_page(request: Request) -> Response:
    ws = session(request).workspace
    number = request.path_params["number"]
    found = await call(request, "GetVersion", cpb.GetVersionRequest(
        workspace_id=ws, version=number, view=cpb.VERSION_VIEW_FULL))
    return render(request, "version.html", version=found.version,
                  shown=entities.documents(list(found.snapshot.entities)))


async def diff_versions(request: Request) -> Response:
    ws = session(request).workspace
    try:
        a = int(request.query_params.get("from", "0"))
        b = int(request.query_params.get("to", "0"))
    except ValueError:
        a = b = 0
    rows = None
    if a and b:
        found = await call(request, "DiffVersions", cpb.DiffVersionsRequest(
            workspace_id=ws, from_version=a, to_version=b))
        rows = present.diff_rows(found.diff)
    radius = present.blast_radius(rows) if rows else None
    return render(request, "diff_versions.html", a=a, b=b, rows=rows, radius=radius)


async def restore_page(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    draft = (await call(request, "GetDraft", cpb.GetDraftRequest(workspace_id=ws))).draft
    return render(request, "restore.html", number=request.path_params["number"], draft=draft)


async def restore(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    number = request.path_params["number"]
    data = await form(request)
    done = await call(request, "RestoreVersion", cpb.RestoreVersionRequest(
        workspace_id=ws, version=number, draft_revision=int(data.get("draft_revision", "0")
                                                            or 0)), EDITOR)
    session(request).flash["restored"] = (number, done)
    return RedirectResponse("/restored", status_code=303)


async def restored(request: Request) -> Response:
    """Once, after "Edit this version": where the replaced Draft was kept."""
    found = session(request).flash.pop("restored", None)
    if found is None:
        return RedirectResponse("/backups", status_code=303)
    return render(request, "restored.html", number=found[0], done=found[1])


async def rollback_page(request: Request) -> Response:
    ws = session(request, PUBLISHER).workspace
    number = request.path_params["number"]
    production = (await call(request, "GetWorkspace", cpb.GetWorkspaceRequest(
        workspace_id=ws))).workspace.production_version
    rows = []
    if production and production != number:
        found = await call(request, "DiffVersions", cpb.DiffVersionsRequest(
            workspace_id=ws, from_version=production, to_version=number))
        rows = present.diff_rows(found.diff)
    return render(request, "rollback.html", number=number, production=production, rows=rows,
                  request_id=uuid.uuid4().hex)


async def rollback(request: Request) -> Response:
    ws = session(request, PUBLISHER).workspace
    number = request.path_params["number"]
    data = await form(request)
    done = await call(request, "RollbackToVersion", cpb.RollbackToVersionRequest(
        workspace_id=ws, version=number, message=data.get("message", "").strip(),
        request_id=data.get("request_id", "")), PUBLISHER)
    return RedirectResponse(f"/rollout/{done.version.number}", status_code=303)


routes = [Route("/history", history), Route("/versions/{number:int}", version_page),
          Route("/diff", diff_versions),
          Route("/versions/{number:int}/restore", restore_page),
          Route("/versions/{number:int}/restore", restore, methods=["POST"]),
          Route("/restored", restored),
          Route("/versions/{number:int}/rollback", rollback_page),
          Route("/versions/{number:int}/rollback", rollback, methods=["POST"])]
