"""The test runner on fakes: the real ChatService and simulator over a fake config service
(through RunPins) and a fake SuiteStore. A run tests one Draft revision however the Draft
moves meanwhile, reads it once, reports a case that cannot run as a failed case, and fails
as a whole (as the domain error, not an exception group) only when a dependency is down."""

from __future__ import annotations

from google.protobuf import json_format

from agentconfig.errors import Unavailable
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from runtime_service.service.chat import ChatService
from runtime_service.service.ports import CallerMetadata, SuiteStore
from runtime_service.service.run_pins import RunPins
from runtime_service.service.test_runner import RunRequest, TestRunner
from runtime_service.simulator.adapters.responders import DeterministicResponder
from runtime_service.simulator.expectations import NOT_JUDGED
from tests.unit.simulator_fakes import FakeMcp
from tests.unit.test_runtime_resolve import snapshot
from tests.unit.test_simulator_chat import ENTITIES, FakeConfig, ListRecorder

CALLER = (("authorization", "Bearer agc_k_s"),)


class CountingConfig(FakeConfig):
    """The chat's view of the config service: counts Draft reads, and the Draft moves to
    revision 5 after the first read."""

    def __init__(self) -> None:
        super().__init__()
        self.draft_reads = 0

    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot:
        self.draft_reads += 1
        out = await super().draft(workspace_id)
        out.draft_revision = 5
        return out


class FakeSuites(SuiteStore):
    def __init__(self, *cases: tpb.TestCase) -> None:
        self.cases = list(cases)
        self.stored: list[tpb.TestRun] = []
        self.callers: list[CallerMetadata] = []

    async def test_cases(self, workspace_id: str, caller: CallerMetadata,
                         ) -> list[tpb.TestCase]:
        self.callers.append(caller)
        return self.cases

    async def draft(self, workspace_id: str, caller: CallerMetadata) -> pb.Snapshot:
        out = snapshot(ENTITIES, version=0)
        out.draft_revision = 4
        return out

    async def version_head(self, workspace_id: str, number: int, caller: CallerMetadata,
                           ) -> tuple[int, str]:
        return number or 1, "ab" * 32

    async def store_run(self, workspace_id: str, run: tpb.TestRun, caller: CallerMetadata,
                        ) -> tpb.TestRun:
        self.callers.append(caller)
        stored = tpb.TestRun()
        stored.CopyFrom(run)
        stored.test_run_id = f"run-{len(self.stored)}"
        stored.passed_count = sum(1 for c in run.cases if c.passed)
        stored.failed_count = len(run.cases) - stored.passed_count
        self.stored.append(stored)
        return stored


def case(case_id: str, target: str = "desk", **expect: object) -> tpb.TestCase:
    return json_format.ParseDict({
        "test_case_id": case_id, "target_kind": "ENTITY_KIND_SQUAD", "target_id": target,
        "turns": [
            {"user_message": "Hello", "script": {"moves": [{"reply": "Hi"}]},
             "expect": {"agent_id": "support"}},
            {"user_message": "My invoice?", "script": {"moves": [{"reply": "Here."}]},
             "expect": {"agent_id": "billing", "check_handoff": True,
                        "handoff_rule_index": 0} | expect}]}, tpb.TestCase())


def runner(suites: SuiteStore, config: CountingConfig) -> TestRunner:
    chat = ChatService(RunPins(config), DeterministicResponder(), ListRecorder(),
                       mcp=FakeMcp({}))
    return TestRunner(suites, chat, concurrency=2)


def request(*ids: str) -> RunRequest:
    return RunRequest("ws", rpb.TEST_TARGET_SOURCE_DRAFT, 0, ids, CALLER)


async def test_one_revision_read_once_for_the_whole_run() -> None:
    config, suites = CountingConfig(), FakeSuites(*[case(f"c{i}") for i in range(6)])
    run = await runner(suites, config).run(request())
    assert (run.passed_count, run.failed_count, run.draft_revision) == (6, 0, 4)
    assert config.draft_reads == 0  # the run's own copy: the Draft moving on is not seen
    served = {t.trace.served_from.draft_revision for c in run.cases for t in c.turns}
    assert served == {4}
    assert suites.callers == [CALLER, CALLER]  # the caller's key, for reading and storing


async def test_failures_a_case_that_cannot_run_and_an_unjudged_criterion() -> None:
    suites = FakeSuites(case("wrong", agent_id="support"), case("ghost", target="nope"),
                        case("judged", judge_criterion="the reply is polite"))
    run = await runner(suites, CountingConfig()).run(request())
    by_id = {c.test_case_id: c for c in run.cases}
    assert [e.expectation for t in by_id["wrong"].turns for e in t.expectations
            if not e.passed] == ["agent_id"]
    assert not by_id["ghost"].passed and "nope" in by_id["ghost"].error
    assert by_id["judged"].passed
    assert by_id["judged"].turns[1].expectations[-1].observed == NOT_JUDGED
    assert (run.passed_count, run.failed_count) == (1, 2)
    only = await runner(suites, CountingConfig()).run(request("judged"))
    assert [c.test_case_id for c in only.cases] == ["judged"]


class DownConfig(CountingConfig):
    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        raise Unavailable("config service: UNAVAILABLE", reason="CONFIG_SERVICE_UNAVAILABLE")


async def test_a_dependency_down_fails_the_run_with_its_own_error() -> None:
    suites = FakeSuites(*[case(f"c{i}") for i in range(4)])
    try:
        await runner(suites, DownConfig()).run(RunRequest(
            "ws", rpb.TEST_TARGET_SOURCE_VERSION, 1, (), CALLER))
    except Unavailable as exc:
        assert exc.reason == "CONFIG_SERVICE_UNAVAILABLE"
    else:
        raise AssertionError("the run should have failed")
    assert suites.stored == []
