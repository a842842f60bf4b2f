"""Test runs: RunTests runs a workspace's test cases through the simulator, reading them
and storing the run in the config service with the caller's own key (forwarded), so the
run is the caller's: what they may read, stored under their name."""

from __future__ import annotations

from agentconfig.errors import Unavailable
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.api.rpc_base import Ctx, RpcBase
from runtime_service.domain.access import check_workspace
from runtime_service.service.ports import CallerMetadata
from runtime_service.service.test_runner import RunRequest

FORWARDED = ("authorization", "x-agentconfig-user")


def caller_of(context: Ctx) -> CallerMetadata:
    return tuple((str(k), str(v)) for k, v in context.invocation_metadata() or ()
                 if k in FORWARDED)


class TestRpcs(RpcBase):
    __test__ = False  # not a pytest class

    async def RunTests(self, request: rpb.RunTestsRequest, context: Ctx,
                       ) -> rpb.RunTestsResponse:
        check_workspace(request.workspace_id)
        if self._tests is None:
            raise Unavailable("test runs are not set up on this replica",
                              reason="TESTS_UNAVAILABLE")
        run = await self._tests.run(RunRequest(
            request.workspace_id, request.source, request.version,
            tuple(request.test_case_ids), caller_of(context)))
        return rpb.RunTestsResponse(test_run_id=run.test_run_id,
                                    passed_count=run.passed_count,
                                    failed_count=run.failed_count)
