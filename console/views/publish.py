"""Diff review and publish. The review names the Draft revision it shows; the confirmation
shows that revision's diff again and publishes exactly it (PublishDraft refuses a stale
revision with ABORTED). A Draft that moved on is shown as a conflict with its new diff,
never published blindly. After a publish the rollout page follows every replica live. The
same confirmation can instead release to a share of new conversations first, or publish at
a later time (views/publish_later.py)."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from console import present, staging
from console.errors import Conflict, ConsoleError
from console.views import publish_later, suite
from console.web import PUBLISHER, call, form, render, session


async def _diff(request: Request) -> cpb.DiffDraftResponse:
    ws = session(request).workspace
    found: cpb.DiffDraftResponse = await call(request, "DiffDraft",
                                              cpb.DiffDraftRequest(workspace_id=ws))
    return found


def _context(diff: cpb.DiffDraftResponse) -> dict[str, Any]:
    rows = present.diff_rows(diff.diff)
    return {"rows": rows, "reach": present.blast_radius(rows),
            "revision": diff.draft_revision, "production": diff.production_version}


async def review(request: Request) -> Response:
    diff = await _diff(request)
    cases, run = await suite.latest_on(request, session(request).workspace,
                                       diff.draft_revision)
    return render(request, "review.html", cases=cases, run=run, **_context(diff))


async def confirm_page(request: Request) -> Response:
    session(request, PUBLISHER)
    reviewed = int(request.query_params.get("revision", "0") or 0)
    diff = await _diff(request)
    if diff.draft_revision != reviewed:
        return render(request, "conflict.html", 409, reviewed=reviewed, **_context(diff))
    return render(request, "confirm.html", request_id=uuid.uuid4().hex, error=None,
                  fields={}, sent={}, **_context(diff))


async def publish(request: Request) -> Response:
    ws = session(request, PUBLISHER).workspace
    data = await form(request)
    reviewed = int(data.get("reviewed_revision", "0") or 0)
    message = data.get("message", "").strip()
    try:
        if data.get("mode") == "staged":
            return await publish_later.staged(request, data)
        if data.get("mode") == "at":
            return await publish_later.scheduled(request, data)
        done = await call(request, "PublishDraft", cpb.PublishDraftRequest(
            workspace_id=ws, reviewed_revision=reviewed, message=message,
            request_id=data.get("request_id", "")), PUBLISHER)
    except Conflict:
        return render(request, "conflict.html", 409, reviewed=reviewed,
                      **_context(await _diff(request)))
    except ConsoleError as exc:
        if exc.status >= 500 or exc.status in (401, 403):
            raise
        return render(request, "confirm.html", exc.status, request_id=data.get("request_id"),
                      error=exc, message=message, sent=data,
                      fields=staging.by_field(exc.problems), **_context(await _diff(request)))
    return RedirectResponse(f"/rollout/{done.version.number}", status_code=303)


routes = [Route("/review", review), Route("/publish", confirm_page),
          Route("/publish", publish, methods=["POST"])]
