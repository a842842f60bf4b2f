"""The example workspace's entities and test suite (examples/ and examples/tests/), read
with agentctl's own file readers, for tests that drive the config service and the runtime
through their stubs."""

from __future__ import annotations

from pathlib import Path

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import testing_pb2 as tpb
from agentctl import files, testfiles

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SUITE = ("conditional-prompts", "invoice-handoff", "order-status-mock")


def example_entities() -> list[pb.Entity]:
    return [s.entity for s in files.load([EXAMPLES])]


def example_cases() -> list[tpb.TestCase]:
    return [c.case for c in testfiles.load([EXAMPLES / "tests"])]


async def example_workspace(stub: cgrpc.ConfigServiceAsyncStub, ws: str) -> int:
    """The example Draft and its suite in a new workspace; the Draft's revision."""
    await stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws))
    applied = await stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=example_entities()))
    for case in example_cases():
        await stub.CreateTestCase(tpb.CreateTestCaseRequest(workspace_id=ws, test_case=case))
    return int(applied.draft_revision)
