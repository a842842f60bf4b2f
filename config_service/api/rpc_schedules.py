"""Scheduled publishes (live data): schedule, list, cancel."""

from __future__ import annotations

from agentconfig.v1 import schedules_pb2 as spb
from config_service.api import convert_schedules as cs
from config_service.api.rpc_base import Ctx, RpcBase, author_of
from config_service.service import schedules


class ScheduleRpcs(RpcBase):
    async def SchedulePublish(self, request: spb.SchedulePublishRequest, context: Ctx,
                              ) -> spb.SchedulePublishResponse:
        made = await schedules.schedule_publish(self._uowf, schedules.ScheduleRequest(
            request.workspace_id, request.reviewed_revision, cs.run_time(request),
            request.message, author_of(request.author, context), cs.rollout_of(request)))
        return spb.SchedulePublishResponse(schedule=cs.schedule(made))

    async def ListSchedules(self, request: spb.ListSchedulesRequest, context: Ctx,
                            ) -> spb.ListSchedulesResponse:
        rows, token = await schedules.list_schedules(
            self._uowf, request.workspace_id, request.page_size, request.page_token)
        return spb.ListSchedulesResponse(schedules=[cs.schedule(s) for s in rows],
                                         next_page_token=token)

    async def CancelSchedule(self, request: spb.CancelScheduleRequest, context: Ctx,
                             ) -> spb.CancelScheduleResponse:
        cancelled = await schedules.cancel(self._uowf, request.workspace_id,
                                           request.schedule_id,
                                           author_of(request.author, context))
        return spb.CancelScheduleResponse(schedule=cs.schedule(cancelled))
