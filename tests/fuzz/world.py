"""The fuzz suite's world: the secured deployment of tests/e2e/access_setup.py (auth on, an
operator key, a key per role in workspace `own`, both workspaces seeded and published),
every way a caller can present itself, one generic call path for any RPC, what "changed
nothing" means (a snapshot of each target workspace), and the tallies the summary prints."""

from __future__ import annotations

import asyncio
import collections
import string
from dataclasses import dataclass
from typing import Any

import grpc
import pytest_asyncio
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_status import rpc_status
from hypothesis import strategies as st

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from tests.e2e.access_setup import OPERATOR, SERVICE, Secured, auth
from tests.fuzz.messages import Names, path

S = grpc.StatusCode
DOCUMENTED = frozenset({S.OK, S.INVALID_ARGUMENT, S.NOT_FOUND, S.ALREADY_EXISTS,
                        S.FAILED_PRECONDITION, S.ABORTED, S.PERMISSION_DENIED,
                        S.UNAUTHENTICATED, S.RESOURCE_EXHAUSTED, S.UNAVAILABLE})
CALL_TIMEOUT = 30.0
SETTLE_SECONDS = 15.0

# what the summary line reports: kind -> number of calls, and kind -> status -> number
COUNTS: collections.Counter[str] = collections.Counter()
CODES: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
METHODS: dict[str, set[str]] = collections.defaultdict(set)


@dataclass
class World:
    secured: Secured
    callers: dict[str, tuple[tuple[str, str], ...]]
    names: Names
    # workspace -> a viewer key of it: the runtime does not know the operator key
    readers: dict[str, tuple[tuple[str, str], ...]]
    # the last snapshot taken, still valid while every call since was refused
    known: tuple[Any, ...] | None = None

    def channel(self, method: MethodDescriptor) -> grpc.aio.Channel:
        if method.containing_service.name == "ConfigService":
            return self.secured.config.channel
        return self.secured.runtime.channel


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def world(secured: Secured) -> World:
    """Needs ``secured`` (tests/e2e/access_setup.py) imported into the test module."""
    other_admin = await secured.key("admin", secured.other)
    callers: dict[str, tuple[tuple[str, str], ...]] = {
        role: auth(key) for role, key in secured.keys.items()}
    callers |= {"other-admin": auth(other_admin), "operator": auth(OPERATOR),
                "service": auth(SERVICE), "none": (),
                "no-scheme": (("authorization", OPERATOR),),
                "basic": (("authorization", f"Basic {OPERATOR}"),),
                "empty-bearer": (("authorization", "Bearer "),)}
    readers: dict[str, tuple[tuple[str, str], ...]] = {secured.own: auth(secured.keys["viewer"]),
               secured.other: auth(await secured.key("viewer", secured.other))}
    runs = [await _suite(secured, ws) for ws in (secured.own, secured.other)]
    names = Names((secured.own, secured.other), (*Names.ids, "hello", *runs))
    return World(secured, callers, names, readers)


async def _suite(secured: Secured, ws: str) -> str:
    """A test case and a run of it in each workspace, so fuzzed test RPCs reach past "not
    found"; the run's id."""
    stub, md = secured.config.stub, auth(OPERATOR)
    await stub.CreateTestCase(tpb.CreateTestCaseRequest(workspace_id=ws, test_case=tpb.TestCase(
        test_case_id="hello", target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
        turns=[tpb.TestTurn(user_message="Hi", script=rpb.ScriptedTurn(
            moves=[rpb.ModelMove(reply="Hello")]))])), metadata=md)
    draft = await stub.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(workspace_id=ws),
                                        metadata=md)
    run = await stub.CreateTestRun(tpb.CreateTestRunRequest(workspace_id=ws, test_run=tpb.TestRun(
        source=rpb.TEST_TARGET_SOURCE_DRAFT, draft_revision=draft.snapshot.draft_revision,
        content_hash=draft.snapshot.content_hash)), metadata=md)
    return run.test_run.test_run_id


GARBAGE = st.text(string.ascii_letters + string.digits + "-_.~+/=", min_size=1, max_size=80)


def callers(w: World, method: MethodDescriptor,
            ) -> st.SearchStrategy[tuple[str, tuple[tuple[str, str], ...]]]:
    """A role's key, the operator's, the runtime's, none, malformed headers, garbage keys;
    more often one that may call the method, so requests get past authentication."""
    strong = (("operator", "admin", "publisher") if method.containing_service.name
              == "ConfigService" else ("admin", "editor", "viewer", "channel"))
    likely = st.sampled_from([(name, w.callers[name]) for name in strong])
    known = st.sampled_from(sorted(w.callers.items()))
    garbage = GARBAGE.map(lambda key: ("garbage", auth(key)))
    # sampled_from picks about uniformly; one_of would favour the rarer branches
    return st.sampled_from([likely] * 6 + [known] * 2 + [garbage]).flatmap(lambda s: s)


async def invoke(w: World, method: MethodDescriptor, request: Message | bytes,
                 metadata: tuple[tuple[str, str], ...]) -> grpc.aio.AioRpcError | None:
    """Send one request (a message, or raw bytes as they are) on a real channel; None is OK.
    A stream counts as OK once its first message arrives."""
    serialize = None if isinstance(request, bytes) else type(request).SerializeToString
    response_class = GetMessageClass(method.output_type)
    channel = w.channel(method)
    try:
        if method.server_streaming:
            stream: Any = channel.unary_stream(path(method), request_serializer=serialize,
                                          response_deserializer=response_class.FromString)
            call = stream(request, metadata=metadata, timeout=CALL_TIMEOUT)
            async for _ in call:
                break
            call.cancel()
        else:
            unary: Any = channel.unary_unary(path(method), request_serializer=serialize,
                                        response_deserializer=response_class.FromString)
            await unary(request, metadata=metadata, timeout=CALL_TIMEOUT)
    except grpc.aio.AioRpcError as exc:
        return exc
    return None


def reason(exc: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    for detail in status.details if status is not None else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


async def _all(call: Any, request: Any, items: str) -> list[bytes]:
    out: list[bytes] = []
    while True:
        page = await call(request, metadata=auth(OPERATOR))
        out += [item.SerializeToString(deterministic=True) for item in getattr(page, items)]
        if not page.next_page_token:
            return out
        request.page_token = page.next_page_token


async def workspace_state(w: World, ws: str) -> tuple[Any, ...]:
    """Draft (revision and content hash), versions, production, channels, keys, Draft backups,
    settings, test cases and runs as the config service tells them, and the runtime's
    production answer."""
    s, md = w.secured.config.stub, auth(OPERATOR)
    workspace = (await s.GetWorkspace(cpb.GetWorkspaceRequest(workspace_id=ws),
                                      metadata=md)).workspace
    draft = await s.GetDraftSnapshot(cpb.GetDraftSnapshotRequest(workspace_id=ws), metadata=md)
    versions = await _all(s.ListVersions, cpb.ListVersionsRequest(workspace_id=ws,
                                                                  page_size=500), "versions")
    channels = await _all(s.ListChannels, cpb.ListChannelsRequest(workspace_id=ws,
                                                                  page_size=500), "channels")
    backups = await _all(s.ListDraftBackups, cpb.ListDraftBackupsRequest(
        workspace_id=ws, page_size=500), "backups")
    keys = await _all(s.ListApiKeys, cpb.ListApiKeysRequest(workspace_id=ws, page_size=500),
                      "api_keys")
    cases = await _all(s.ListTestCases, tpb.ListTestCasesRequest(workspace_id=ws, page_size=500),
                       "test_cases")
    runs = await _all(s.ListTestRuns, tpb.ListTestRunsRequest(workspace_id=ws, page_size=500),
                      "test_runs")
    served = await w.secured.runtime.stub.GetProductionSnapshot(
        rpb.GetProductionSnapshotRequest(workspace_id=ws), metadata=w.readers[ws])
    return (workspace.draft_revision, workspace.production_version, workspace.latest_version,
            workspace.display_name, workspace.settings.SerializeToString(deterministic=True),
            draft.snapshot.content_hash, versions, channels, backups, keys, cases, runs,
            served.served_from.version, served.served_from.content_hash)


async def state(w: World) -> tuple[Any, ...]:
    if w.known is None:
        w.known = tuple([await workspace_state(w, ws) for ws in w.names.workspaces])
    return w.known


async def settle(w: World) -> None:
    """After a call that succeeded (it may have published or rolled back): wait until the
    runtime serves what the config service calls production, so the next before-snapshot
    is not taken in the middle of a rollout."""
    w.known = None
    md = auth(OPERATOR)
    for ws in w.names.workspaces:
        deadline = asyncio.get_running_loop().time() + SETTLE_SECONDS
        while True:
            want = await w.secured.config.stub.GetProduction(
                cpb.GetProductionRequest(workspace_id=ws), metadata=md)
            served = await w.secured.runtime.stub.GetProductionSnapshot(
                rpb.GetProductionSnapshotRequest(workspace_id=ws), metadata=w.readers[ws])
            if served.served_from.content_hash == want.version.content_hash:
                break
            assert asyncio.get_running_loop().time() < deadline, (
                f"runtime still serves v{served.served_from.version} of {ws}, "
                f"production is v{want.version.number}")
            await asyncio.sleep(0.1)


async def assert_serving(w: World) -> None:
    for channel in (w.secured.config.channel, w.secured.runtime.channel):
        health: Any = health_pb2_grpc.HealthStub(channel)
        answer = await health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10)
        assert answer.status == health_pb2.HealthCheckResponse.SERVING


async def checked_call(w: World, kind: str, method: MethodDescriptor,
                       request: Message | bytes, caller: str,
                       metadata: tuple[tuple[str, str], ...]) -> grpc.aio.AioRpcError | None:
    """One fuzzed call with every check: a documented status, no change when refused, both
    servers still serving."""
    before = await state(w)
    refused = await invoke(w, method, request, metadata)
    code = S.OK if refused is None else refused.code()
    COUNTS[kind] += 1
    CODES[kind][code.name] += 1
    METHODS[kind].add(method.name)
    where = f"{method.name} as {caller}"
    assert code in DOCUMENTED, f"{where}: {code.name} {refused and refused.details()}"
    if refused is not None:
        assert "Traceback" not in (refused.details() or ""), where
        w.known = None
        assert await state(w) == before, f"{where} was refused ({code.name}) but changed state"
    else:
        await settle(w)
    await assert_serving(w)
    return refused
