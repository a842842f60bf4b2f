"""Staged rollouts: the workspace's rollouts newest first with paging, the latest on top
(candidate vs Production, steps, share, channels, guards, state, reported outcomes per
version), kept live over Server-Sent Events while it is active (the same stream helper as
the publish rollout page), and Advance / Promote / Abort, each behind a confirmation that
names the sequence seen (a rollout that moved on meanwhile is a conflict, not a surprise)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import rollouts_pb2 as ropb
from console.errors import ConsoleError
from console.views.rollout import event
from console.web import PAGE_SIZE, PUBLISHER, call, form, render, session, templates

POLL_SECONDS = 1.0
ACTIONS = {"advance": ("AdvanceRollout", ropb.AdvanceRolloutRequest),
           "promote": ("PromoteRollout", ropb.PromoteRolloutRequest),
           "abort": ("AbortRollout", ropb.AbortRolloutRequest)}


async def _latest(request: Request) -> dict[str, Any]:
    """The latest rollout (None: never one), whether it is active, its outcomes, and
    Production now."""
    ws = session(request).workspace
    try:
        found = await call(request, "GetRollout", ropb.GetRolloutRequest(workspace_id=ws))
    except ConsoleError as exc:
        if exc.status != 404:
            raise
        found = None
    production = (await call(request, "GetWorkspace", cpb.GetWorkspaceRequest(
        workspace_id=ws))).workspace.production_version
    current = found.rollout if found else None
    return {"current": current, "active": active(current),
            "outcomes": list(found.outcomes) if found else [], "production": production}


def active(current: ropb.Rollout | None) -> bool:
    return current is not None and current.phase == ropb.ROLLOUT_PHASE_ACTIVE


async def rollouts(request: Request) -> Response:
    ws = session(request).workspace
    page = await call(request, "ListRollouts", ropb.ListRolloutsRequest(
        workspace_id=ws, page_size=PAGE_SIZE, page_token=request.query_params.get("page", "")))
    latest = await _latest(request)
    return render(request, "rollouts.html", page=page, **latest)


async def rollout_events(request: Request) -> Response:
    part = templates.get_template("_rollout_current.html")
    who = session(request)

    async def events() -> AsyncIterator[str]:
        last = ""
        while True:
            try:
                latest = await _latest(request)
            except ConsoleError as exc:
                yield event("failed", f"<p class='error'>{escape(exc.message)}</p>")
                return
            html = part.render(me=who, csrf=who.csrf, **latest)
            if html != last:
                yield event("status", html)
                last = html
            if not latest["active"]:
                yield event("done", "")
                return
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"cache-control": "no-store"})


async def confirm_action(request: Request) -> Response:
    ws = session(request, PUBLISHER).workspace
    action = _action(request)
    found = await call(request, "GetRollout", ropb.GetRolloutRequest(
        workspace_id=ws, rollout_id=request.path_params["rollout_id"]))
    return render(request, "rollout_action.html", action=action, rollout=found.rollout,
                  outcomes=list(found.outcomes))


async def do_action(request: Request) -> Response:
    ws = session(request, PUBLISHER).workspace
    method, message_type = ACTIONS[_action(request)]
    data = await form(request)
    fields: dict[str, Any] = {"workspace_id": ws,
                              "rollout_id": request.path_params["rollout_id"],
                              "expected_sequence": int(data.get("expected_sequence") or 0)}
    if method == "AbortRollout":
        fields["reason"] = data.get("reason", "").strip()
    await call(request, method, message_type(**fields), PUBLISHER)
    return RedirectResponse("/rollouts", status_code=303)


def _action(request: Request) -> str:
    action: str = request.path_params["action"]
    if action not in ACTIONS:
        raise ConsoleError(f"no such rollout action: {action}", status=404)
    return action


routes = [Route("/rollouts", rollouts), Route("/rollouts/events", rollout_events),
          Route("/rollouts/{rollout_id}/{action}", confirm_action),
          Route("/rollouts/{rollout_id}/{action}", do_action, methods=["POST"])]
