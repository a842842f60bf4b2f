"""Scheduled publishes (made on the publish confirmation, "publish at"): newest first with
paging, what became of each, and Cancel for a pending one (publisher)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.v1 import schedules_pb2 as spb
from console.web import PAGE_SIZE, PUBLISHER, call, render, session


async def schedules(request: Request) -> Response:
    ws = session(request).workspace
    page = await call(request, "ListSchedules", spb.ListSchedulesRequest(
        workspace_id=ws, page_size=PAGE_SIZE, page_token=request.query_params.get("page", "")))
    return render(request, "schedules.html", page=page,
                  pending=spb.SCHEDULE_STATE_PENDING)


async def cancel(request: Request) -> Response:
    ws = session(request, PUBLISHER).workspace
    await call(request, "CancelSchedule", spb.CancelScheduleRequest(
        workspace_id=ws, schedule_id=request.path_params["schedule_id"]), PUBLISHER)
    return RedirectResponse("/schedules", status_code=303)


routes = [Route("/schedules", schedules),
          Route("/schedules/{schedule_id}/cancel", cancel, methods=["POST"])]
