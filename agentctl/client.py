"""The connections to the config service and the runtime service: one synchronous channel
each, opened on first use, the generated stubs, the metadata every call carries, and the
translation of every failure into a CliError."""

from __future__ import annotations

from typing import TypeVar

import grpc
from google.protobuf.message import Message

from agentconfig import tracing
from agentconfig.client.options import ClientOptions, channel_options
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from agentctl import tls
from agentctl.errors import Usage, from_rpc
from agentctl.locate import Locator, recall
from agentctl.settings import Settings

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)
TIMEOUT_SECONDS = 30.0


class Connection:
    def __init__(self, settings: Settings, command: str = "agentctl") -> None:
        self.settings = settings
        tracing.configure("agentctl")  # before any channel: OTEL_EXPORTER_OTLP_ENDPOINT
        self._end_trace = tracing.begin(command)  # the command's calls share one trace
        self._channel: grpc.Channel | None = None
        self._stub: cgrpc.ConfigServiceStub | None = None
        self._runtime_channel: grpc.Channel | None = None
        self._runtime: rgrpc.RuntimeServiceStub | None = None
        self._locator: Locator | None = None

    @property
    def stub(self) -> cgrpc.ConfigServiceStub:
        if self._stub is None:
            self._channel = _open(self.settings.config_addr, self.settings)
            self._stub = cgrpc.ConfigServiceStub(self._channel)
        return self._stub

    @property
    def runtime(self) -> rgrpc.RuntimeServiceStub:
        if self._runtime is None:
            self._runtime_channel = _open(self.settings.runtime_addr, self.settings)
            self._runtime = rgrpc.RuntimeServiceStub(self._runtime_channel)
        return self._runtime

    @property
    def workspace(self) -> str:
        if not self.settings.workspace:
            raise Usage("no workspace: pass --workspace/-w, set AGENTCTL_WORKSPACE "
                                   "or add `workspace:` to the config file")
        return self.settings.workspace

    @property
    def locator(self) -> Locator:
        """Names files for violations; ``apply`` replaces it with the files it read."""
        if self._locator is None:
            self._locator = Locator(recall(self.settings) if self.settings.workspace else {})
        return self._locator

    @locator.setter
    def locator(self, value: Locator) -> None:
        self._locator = value

    def metadata(self) -> tuple[tuple[str, str], ...]:
        out: list[tuple[str, str]] = []
        if self.settings.key:
            out.append(("authorization", f"Bearer {self.settings.key}"))
        if self.settings.user:
            out.append(("x-agentconfig-user", self.settings.user))
        return tuple(out)

    def call(self, method: grpc.UnaryUnaryMultiCallable[Req, Resp], request: Req) -> Resp:
        try:
            return method(request, metadata=self.metadata(), timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            raise from_rpc(exc, self.settings.config_addr, self.locator,
                           tls=tls.enabled(self.settings)) from None

    def runtime_call(self, method: grpc.UnaryUnaryMultiCallable[Req, Resp], request: Req,
                     ) -> Resp:
        """A call to the runtime service at --runtime-addr, translated the same way."""
        try:
            return method(request, metadata=self.metadata(), timeout=TIMEOUT_SECONDS)
        except grpc.RpcError as exc:
            raise from_rpc(exc, self.settings.runtime_addr, service="runtime service",
                           tls=tls.enabled(self.settings)) from None

    def close(self) -> None:
        for channel in (self._channel, self._runtime_channel):
            if channel is not None:
                channel.close()
        self._end_trace()

    # reads that page through everything -----------------------------------------------
    def draft_entities(self, kind: pb.EntityKind.ValueType = pb.ENTITY_KIND_UNSPECIFIED,
                       ) -> list[pb.DraftEntity]:
        out: list[pb.DraftEntity] = []
        token = ""
        while True:
            page = self.call(self.stub.ListDraftEntities, cpb.ListDraftEntitiesRequest(
                workspace_id=self.workspace, kind=kind, page_size=500, page_token=token))
            out += page.entities
            token = page.next_page_token
            if not token:
                return out

    def backups(self) -> list[cpb.DraftBackup]:
        out: list[cpb.DraftBackup] = []
        token = ""
        while True:
            page = self.call(self.stub.ListDraftBackups, cpb.ListDraftBackupsRequest(
                workspace_id=self.workspace, page_size=500, page_token=token))
            out += page.backups
            token = page.next_page_token
            if not token:
                return out

    def channels(self) -> list[cpb.Channel]:
        out: list[cpb.Channel] = []
        token = ""
        while True:
            page = self.call(self.stub.ListChannels, cpb.ListChannelsRequest(
                workspace_id=self.workspace, page_size=500, page_token=token))
            out += page.channels
            token = page.next_page_token
            if not token:
                return out

    def api_keys(self) -> list[cpb.ApiKey]:
        out: list[cpb.ApiKey] = []
        token = ""
        while True:
            page = self.call(self.stub.ListApiKeys, cpb.ListApiKeysRequest(
                workspace_id=self.workspace, page_size=500, page_token=token))
            out += page.api_keys
            token = page.next_page_token
            if not token:
                return out

    def workspaces(self) -> list[cpb.Workspace]:
        out: list[cpb.Workspace] = []
        token = ""
        while True:
            page = self.call(self.stub.ListWorkspaces, cpb.ListWorkspacesRequest(
                page_size=500, page_token=token))
            out += page.workspaces
            token = page.next_page_token
            if not token:
                return out


def _open(address: str, settings: Settings) -> grpc.Channel:
    """Plaintext, or TLS (mTLS with a client certificate) as the settings say, with the
    SDK's channel options: keepalive, reads retried on UNAVAILABLE (writes never), reconnect
    backoff up to 1 s, 64 MiB messages. The key travels per call (``metadata``)."""
    credentials = tls.credentials(settings)
    options = channel_options(ClientOptions(
        read_timeout_seconds=TIMEOUT_SECONDS,  # the SDK's 5 s would cut a long read short
        server_name=settings.tls_server_name if credentials is not None else ""))
    if credentials is None:
        return tracing.intercept_sync_channel(grpc.insecure_channel(address, options=options))
    return tracing.intercept_sync_channel(
        grpc.secure_channel(address, credentials, options=options))
