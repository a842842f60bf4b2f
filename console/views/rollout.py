"""Live rollout progress as Server-Sent Events: the replicas table is sent again whenever
it changes, until every replica serves the version (or the wait gives up). The page works
without JavaScript too: it then shows the table as it was when loaded."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from markupsafe import escape
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from console.errors import ConsoleError
from console.web import call, render, session, templates

POLL_SECONDS = 0.2
GIVE_UP_SECONDS = 120.0


def done(status: cpb.GetRolloutStatusResponse, version: int) -> bool:
    """Every reporting replica serves ``version`` (or a later one), or none serves the
    workspace yet: a replica of a fleet loads a workspace on its first use."""
    return (status.production_version >= version
            and status.live_replicas == status.total_replicas)


async def rollout_page(request: Request) -> Response:
    ws = session(request).workspace
    version = int(request.path_params["version"])
    status = await call(request, "GetRolloutStatus",
                        cpb.GetRolloutStatusRequest(workspace_id=ws))
    return render(request, "rollout.html", version=version, status=status,
                  finished=done(status, version))


def event(name: str, html: str) -> str:
    data = "\n".join(f"data: {line}" for line in html.splitlines() or [""])
    return f"event: {name}\n{data}\n\n"


async def rollout_events(request: Request) -> Response:
    ws = session(request).workspace
    version = int(request.path_params["version"])
    table = templates.get_template("_replicas.html")
    finished = templates.get_template("_rollout_done.html")

    async def events() -> AsyncIterator[str]:
        last, deadline = "", time.monotonic() + GIVE_UP_SECONDS
        while time.monotonic() < deadline:
            try:
                status = await call(request, "GetRolloutStatus",
                                    cpb.GetRolloutStatusRequest(workspace_id=ws))
            except ConsoleError as exc:
                yield event("failed", f"<p class='error'>{escape(exc.message)}</p>")
                return
            html = table.render(status=status, version=version)
            if html != last:
                yield event("status", html)
                last = html
            if done(status, version):
                yield event("done", finished.render(status=status, version=version))
                return
            await asyncio.sleep(POLL_SECONDS)
        yield event("failed", "<p class='error'>Still rolling out: reload to look again.</p>")

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"cache-control": "no-store"})


routes = [Route("/rollout/{version:int}", rollout_page),
          Route("/rollout/{version:int}/events", rollout_events)]
