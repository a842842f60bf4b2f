"""The publish confirmation's two other ways to release the reviewed revision: staged (the
version is written without moving Production, then a rollout starts on it) or scheduled
(SchedulePublish freezes the reviewed content now and publishes it at the given UTC
time, or stages it then and starts the rollout the form describes). Failures are
ConsoleErrors; the publish view shows them on the confirmation."""

from __future__ import annotations

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import rollouts_pb2 as ropb
from agentconfig.v1 import schedules_pb2 as spb
from console import staging
from console.errors import ConsoleError
from console.web import PUBLISHER, call, session


async def staged(request: Request, data: dict[str, str]) -> Response:
    """Stage, then start the rollout. A retry of the same form (same request id) gets the
    same staged version back, so a rollout refused (say, an unknown channel) can be fixed
    and sent again without a second version."""
    ws = session(request, PUBLISHER).workspace
    found = staging.plan(data.get("steps", ""), data.get("every", ""),
                         data.get("channels", ""))
    staging.check(found)
    version = (await call(request, "PublishDraft", cpb.PublishDraftRequest(
        workspace_id=ws, reviewed_revision=int(data.get("reviewed_revision", "0") or 0),
        message=data.get("message", "").strip(), request_id=data.get("request_id", ""),
        stage_only=True), PUBLISHER)).version
    start = ropb.StartRolloutRequest(workspace_id=ws, candidate_version=version.number,
                                     steps_bp=list(found.steps_bp),
                                     channel_ids=list(found.channels))
    if found.every_seconds:
        start.every.CopyFrom(Duration(seconds=found.every_seconds))
    try:
        await call(request, "StartRollout", start, PUBLISHER)
    except ConsoleError as exc:
        exc.message = (f"v{version.number} was staged (Production did not move) but its "
                       f"rollout did not start: {exc.message}")
        raise
    return RedirectResponse("/rollouts", status_code=303)


async def scheduled(request: Request, data: dict[str, str]) -> Response:
    ws = session(request, PUBLISHER).workspace
    stamp = Timestamp()
    stamp.FromDatetime(staging.run_at(data.get("run_at", "")))
    made = spb.SchedulePublishRequest(
        workspace_id=ws, reviewed_revision=int(data.get("reviewed_revision", "0") or 0),
        run_time=stamp, message=data.get("message", "").strip())
    if data.get("at_staged"):  # the steps above: the server checks them now (BAD_STEPS)
        found = staging.plan(data.get("steps", ""), data.get("every", ""),
                             data.get("channels", ""))
        made.rollout.CopyFrom(spb.ScheduledRollout(
            steps_bp=list(found.steps_bp), every_seconds=found.every_seconds,
            channel_ids=list(found.channels)))
    await call(request, "SchedulePublish", made, PUBLISHER)
    return RedirectResponse("/schedules", status_code=303)
