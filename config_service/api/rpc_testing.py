"""Test cases, test runs and the behavioural diff (live data; see testing.proto). The
runtime's RunTests stores its runs through CreateTestRun, as its caller."""

from __future__ import annotations

from agentconfig.v1 import testing_pb2 as tpb
from config_service.api import convert_testing as cv
from config_service.api.rpc_base import Ctx, RpcBase, author_of
from config_service.service import testcases, testruns


class TestingRpcs(RpcBase):
    __test__ = False  # not a pytest class

    async def CreateTestCase(self, request: tpb.CreateTestCaseRequest, context: Ctx,
                             ) -> tpb.CreateTestCaseResponse:
        created = await testcases.create_case(self._uowf, request.workspace_id,
                                              cv.case_body(request.test_case),
                                              author_of("", context))
        return tpb.CreateTestCaseResponse(test_case=cv.test_case(created))

    async def GetTestCase(self, request: tpb.GetTestCaseRequest, context: Ctx,
                          ) -> tpb.GetTestCaseResponse:
        found = await testcases.get_case(self._uowf, request.workspace_id,
                                         request.test_case_id)
        return tpb.GetTestCaseResponse(test_case=cv.test_case(found))

    async def ListTestCases(self, request: tpb.ListTestCasesRequest, context: Ctx,
                            ) -> tpb.ListTestCasesResponse:
        rows, token = await testcases.list_cases(self._uowf, request.workspace_id,
                                                 request.page_size, request.page_token)
        return tpb.ListTestCasesResponse(test_cases=[cv.test_case(c) for c in rows],
                                         next_page_token=token)

    async def UpdateTestCase(self, request: tpb.UpdateTestCaseRequest, context: Ctx,
                             ) -> tpb.UpdateTestCaseResponse:
        updated = await testcases.update_case(
            self._uowf, request.workspace_id, cv.case_body(request.test_case),
            request.etag or request.test_case.etag, author_of("", context))
        return tpb.UpdateTestCaseResponse(test_case=cv.test_case(updated))

    async def DeleteTestCase(self, request: tpb.DeleteTestCaseRequest, context: Ctx,
                             ) -> tpb.DeleteTestCaseResponse:
        await testcases.delete_case(self._uowf, request.workspace_id, request.test_case_id,
                                    request.etag, author_of("", context))
        return tpb.DeleteTestCaseResponse()

    async def CreateTestRun(self, request: tpb.CreateTestRunRequest, context: Ctx,
                            ) -> tpb.CreateTestRunResponse:
        stored = await testruns.create_run(self._uowf, request.workspace_id,
                                           cv.run_input(request.test_run),
                                           author_of("", context))
        return tpb.CreateTestRunResponse(test_run=cv.test_run(stored))

    async def GetTestRun(self, request: tpb.GetTestRunRequest, context: Ctx,
                         ) -> tpb.GetTestRunResponse:
        found = await testruns.get_run(self._uowf, request.workspace_id, request.test_run_id)
        return tpb.GetTestRunResponse(test_run=cv.test_run(found))

    async def ListTestRuns(self, request: tpb.ListTestRunsRequest, context: Ctx,
                           ) -> tpb.ListTestRunsResponse:
        rows, token = await testruns.list_runs(self._uowf, request.workspace_id,
                                               request.page_size, request.page_token)
        return tpb.ListTestRunsResponse(test_runs=[cv.test_run(r) for r in rows],
                                        next_page_token=token)

    async def DiffTestRuns(self, request: tpb.DiffTestRunsRequest, context: Ctx,
                           ) -> tpb.DiffTestRunsResponse:
        changes, unchanged = await testruns.diff(self._uowf, request.workspace_id,
                                                 request.base_test_run_id,
                                                 request.head_test_run_id)
        return cv.diff(changes, unchanged)
