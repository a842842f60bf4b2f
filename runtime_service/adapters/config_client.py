"""The config service, through its generated gRPC client. gRPC failures become the shared
domain errors (the runtime's service layer never sees grpc)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC
from typing import Any, TypeVar

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig import errors, tracing
from agentconfig.kinds import kind_by_enum
from agentconfig.names import CHANNEL_TYPE_NAMES, ROLE_NAMES
from agentconfig.rollout_guards import OutcomeCounts
from agentconfig.rollouts import RolloutState
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import rollouts_pb2 as ropb
from runtime_service.domain.access import KeyInfo
from runtime_service.domain.snapshot_delta import Delta
from runtime_service.service.ports import ChannelBinding, ConfigSource, WorkspaceSettings

T = TypeVar("T")


def _reason(exc: grpc.aio.AioRpcError) -> str:
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    for detail in status.details if status else ():
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info):
            return str(info.reason)
    return ""


def _translate(exc: grpc.aio.AioRpcError) -> errors.AgentConfigError:
    code, message, reason = exc.code(), exc.details() or "", _reason(exc)
    if code == grpc.StatusCode.NOT_FOUND:
        return errors.NotFound(message, reason=reason or "NOT_FOUND")
    if code in (grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED):
        return errors.Unavailable(f"the config service refused this runtime's credential: "
                                  f"{message}", reason="CONFIG_SERVICE_REFUSED")
    return errors.Unavailable(f"config service: {code.name}: {message}",
                              reason="CONFIG_SERVICE_UNAVAILABLE", retry_after_seconds=1.0)


# gRPC's reconnect backoff grows to 120 s by default, so a replica could stay blind for
# that long after an outage ended. Capped at 1 s (gRPC adds its own +-20 % jitter).
CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.keepalive_time_ms", 20_000),
    ("grpc.keepalive_timeout_ms", 5_000),
]


def delta_of(workspace_id: str, found: cpb.GetVersionChangesResponse) -> Delta:
    v = found.version
    removed = []
    for r in found.removed:
        kind = kind_by_enum(r.kind)
        removed.append((kind.name if kind else "", r.entity_id))
    return Delta(workspace_id, found.from_version, v.number, 0, v.content_hash,
                 v.entity_count, tuple((c.entity, c.content_hash) for c in found.changed),
                 tuple(removed))


# A whole version of a 10,000-entity workspace is megabytes the config service assembles
# from thousands of rows: seconds on a busy machine. The other calls keep the short timeout.
WHOLE_VERSION_SECONDS = 30.0


class GrpcConfigSource(ConfigSource):
    def __init__(self, target: str, *, credential: str = "", timeout: float = 3.0,
                 channel_credentials: grpc.ChannelCredentials | None = None) -> None:
        self._target = target
        self._credentials = channel_credentials
        self._channel = self._open()
        self._stub: Any = cgrpc.ConfigServiceStub(self._channel)
        self._metadata: Sequence[tuple[str, str]] = (
            (("authorization", f"Bearer {credential}"),) if credential else ())
        self._timeout = timeout

    def _open(self) -> grpc.aio.Channel:
        traced = tracing.aio_client_interceptors() or None  # CLIENT spans, when tracing is on
        if self._credentials:
            return grpc.aio.secure_channel(self._target, self._credentials,
                                           options=CHANNEL_OPTIONS, interceptors=traced)
        return grpc.aio.insecure_channel(self._target, options=CHANNEL_OPTIONS,
                                         interceptors=traced)

    async def reconnect(self) -> None:
        """A channel in TRANSIENT_FAILURE waits out its backoff before it tries again; a new
        channel tries at once. The old one is closed after its calls have had a moment."""
        if self._channel.get_state(try_to_connect=True) != \
                grpc.ChannelConnectivity.TRANSIENT_FAILURE:
            return
        old, self._channel = self._channel, self._open()
        self._stub = cgrpc.ConfigServiceStub(self._channel)
        await old.close(grace=1.0)

    async def _call(self, method: Callable[..., Awaitable[T]], request: Any,
                    seconds: float | None = None) -> T:
        try:
            return await method(request, metadata=self._metadata,
                                timeout=seconds or self._timeout)
        except grpc.aio.AioRpcError as exc:
            raise _translate(exc) from None

    async def call_as(self, method: str, request: Any, caller: Sequence[tuple[str, str]],
                      seconds: float) -> Any:
        """A call presenting someone else's credential (RunTests forwards its caller's);
        failures are raised as they are, for the caller to read (suite_store.py)."""
        return await getattr(self._stub, method)(request, metadata=caller, timeout=seconds)

    async def production(self, workspace_id: str) -> pb.Snapshot:
        response = await self._call(self._stub.GetProduction, cpb.GetProductionRequest(
            workspace_id=workspace_id, view=cpb.VERSION_VIEW_FULL), WHOLE_VERSION_SECONDS)
        return response.snapshot  # type: ignore[no-any-return]

    async def version(self, workspace_id: str, number: int) -> pb.Snapshot:
        response = await self._call(self._stub.GetVersion, cpb.GetVersionRequest(
            workspace_id=workspace_id, version=number, view=cpb.VERSION_VIEW_FULL),
            WHOLE_VERSION_SECONDS)
        return response.snapshot  # type: ignore[no-any-return]

    async def changes(self, workspace_id: str, old: int, new: int) -> Delta:
        found: Any = await self._call(self._stub.GetVersionChanges, cpb.GetVersionChangesRequest(
            workspace_id=workspace_id, from_version=old, to_version=new))
        return delta_of(workspace_id, found)

    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot | None:
        response = await self._call(self._stub.GetDraftSnapshot, cpb.GetDraftSnapshotRequest(
            workspace_id=workspace_id, known_draft_revision=known_revision))
        return None if response.unchanged else response.snapshot

    async def channels(self, workspace_id: str) -> list[ChannelBinding]:
        out: list[ChannelBinding] = []
        token = ""
        while True:
            page: Any = await self._call(self._stub.ListChannels, cpb.ListChannelsRequest(
                workspace_id=workspace_id, page_size=500, page_token=token))
            for c in page.channels:
                kind = kind_by_enum(c.target_kind)
                out.append(ChannelBinding(c.channel_id, CHANNEL_TYPE_NAMES.get(c.type, ""),
                                          kind.name if kind else "", c.target_id))
            token = page.next_page_token
            if not token:
                return out

    async def key(self, key_id: str) -> KeyInfo:
        found: Any = await self._call(self._stub.IntrospectApiKey,
                                      cpb.IntrospectApiKeyRequest(key_id=key_id))
        record = found.api_key
        return KeyInfo(record.key_id, record.workspace_id, ROLE_NAMES.get(record.role, ""),
                       found.secret_sha256,
                       record.expire_time.ToDatetime(UTC) if record.HasField("expire_time")
                       else None, record.HasField("revoke_time"),
                       frozenset(record.channel_ids))

    async def workspace_settings(self, workspace_id: str) -> WorkspaceSettings:
        found: Any = await self._call(self._stub.GetWorkspace, cpb.GetWorkspaceRequest(
            workspace_id=workspace_id))
        return WorkspaceSettings(frozenset(found.workspace.settings.live_tool_ids))

    async def rollout(self, workspace_id: str) -> RolloutState | None:
        try:
            found: Any = await self._call(self._stub.GetRollout, ropb.GetRolloutRequest(
                workspace_id=workspace_id))
        except errors.NotFound as exc:
            if exc.reason == "ROLLOUT_NOT_FOUND":
                return None
            raise
        r = found.rollout
        return RolloutState(r.rollout_id, r.sequence, r.candidate_version, r.share_bp,
                            frozenset(r.channel_ids), r.phase == ropb.ROLLOUT_PHASE_ACTIVE)

    async def report_outcomes(self, workspace_id: str, rollout_id: str, reporter: str,
                              counts: list[tuple[int, OutcomeCounts]]) -> None:
        await self._call(self._stub.ReportOutcomeCounts, ropb.ReportOutcomeCountsRequest(
            workspace_id=workspace_id, rollout_id=rollout_id, reporter=reporter,
            outcomes=[ropb.VersionOutcomes(version=v, counts=ropb.OutcomeCounts(
                conversations=c.conversations, turns=c.turns, errors=c.errors,
                escalations=c.escalations, negative_feedback=c.negative_feedback,
                latency_ms_total=c.latency_ms_total)) for v, c in counts]))

    async def close(self) -> None:
        await self._channel.close()
