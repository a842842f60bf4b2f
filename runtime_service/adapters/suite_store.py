"""The SuiteStore port over the config service's gRPC API, on the runtime's connection to it
but with the RunTests caller's key: cases and targets are read, and the run is stored, as
that caller."""

from __future__ import annotations

from typing import Any

import grpc

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import testing_pb2 as tpb
from runtime_service.adapters.caller_errors import as_caller
from runtime_service.adapters.config_client import GrpcConfigSource
from runtime_service.service.ports import CallerMetadata, SuiteStore

TIMEOUT_SECONDS = 30.0  # a suite's run is one message of every result


class GrpcSuiteStore(SuiteStore):
    def __init__(self, config: GrpcConfigSource, timeout: float = TIMEOUT_SECONDS) -> None:
        self._config = config
        self._timeout = timeout

    async def _call(self, method: str, request: Any, caller: CallerMetadata) -> Any:
        try:
            return await self._config.call_as(method, request, caller, self._timeout)
        except grpc.aio.AioRpcError as exc:
            raise as_caller(exc) from None

    async def test_cases(self, workspace_id: str, caller: CallerMetadata,
                         ) -> list[tpb.TestCase]:
        out: list[tpb.TestCase] = []
        token = ""
        while True:
            page = await self._call("ListTestCases", tpb.ListTestCasesRequest(
                workspace_id=workspace_id, page_size=500, page_token=token), caller)
            out += page.test_cases
            token = page.next_page_token
            if not token:
                return out

    async def draft(self, workspace_id: str, caller: CallerMetadata) -> pb.Snapshot:
        found = await self._call("GetDraftSnapshot", cpb.GetDraftSnapshotRequest(
            workspace_id=workspace_id), caller)
        return found.snapshot  # type: ignore[no-any-return]

    async def version_head(self, workspace_id: str, number: int, caller: CallerMetadata,
                           ) -> tuple[int, str]:
        if number:
            found = await self._call("GetVersion", cpb.GetVersionRequest(
                workspace_id=workspace_id, version=number, view=cpb.VERSION_VIEW_BASIC), caller)
        else:
            found = await self._call("GetProduction", cpb.GetProductionRequest(
                workspace_id=workspace_id, view=cpb.VERSION_VIEW_BASIC), caller)
        return int(found.version.number), str(found.version.content_hash)

    async def store_run(self, workspace_id: str, run: tpb.TestRun, caller: CallerMetadata,
                        ) -> tpb.TestRun:
        stored = await self._call("CreateTestRun", tpb.CreateTestRunRequest(
            workspace_id=workspace_id, test_run=run), caller)
        return stored.test_run  # type: ignore[no-any-return]
