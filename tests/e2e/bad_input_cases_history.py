"""Bad-input rows for publish, history, rollback, channels and listing."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.e2e.bad_input_setup import Case, Request, World
from tests.harness import builders as b

IA = grpc.StatusCode.INVALID_ARGUMENT
FP = grpc.StatusCode.FAILED_PRECONDITION
NF = grpc.StatusCode.NOT_FOUND
REUSED = "req-used-once"


def _publish(**fields: object) -> tuple[str, cpb.PublishDraftRequest]:
    return "PublishDraft", cpb.PublishDraftRequest(**fields)  # type: ignore[arg-type]


async def _dangling_squad(w: World) -> None:
    await w.stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(
        workspace_id=w.ws, entity=b.squad("desk", ("support", "ghost"))))


def _channel(w: World, **fields: object) -> cpb.Channel:
    base: dict[str, object] = {"channel_id": "web", "type": cpb.CHANNEL_TYPE_WEB_WIDGET,
                               "target_kind": pb.ENTITY_KIND_AGENT, "target_id": "support"}
    return cpb.Channel(**(base | fields))  # type: ignore[arg-type]


async def _web_channel(w: World) -> None:
    await w.stub.CreateChannel(cpb.CreateChannelRequest(workspace_id=w.ws,
                                                        channel=_channel(w)))


async def _voice(w: World) -> None:
    """Something to publish: the Draft at w.revision + 1 differs from v1."""
    await w.stub.CreateDraftEntity(cpb.CreateDraftEntityRequest(workspace_id=w.ws,
                                                                entity=b.voice()))


async def _published_with_request_id(w: World) -> None:
    """v2, published with the request id REUSED below for other requests."""
    await _voice(w)
    await w.stub.PublishDraft(cpb.PublishDraftRequest(
        workspace_id=w.ws, reviewed_revision=w.revision + 1, message="v2",
        request_id=REUSED))


def _reused(case_id: str, request: Callable[[World], Request]) -> Case:
    """A request that reuses the request id of v2's publish for something else."""
    return Case(case_id, request, IA, "request_id", "REQUEST_ID_REUSED",
                prepare=_published_with_request_id)


def _version(method: str, number: int, code: grpc.StatusCode, field: str = "") -> Case:
    def request(w: World) -> tuple[str, object]:
        message = {"GetVersion": cpb.GetVersionRequest(workspace_id=w.ws, version=number),
                   "RestoreVersion": cpb.RestoreVersionRequest(
                       workspace_id=w.ws, version=number, draft_revision=w.revision),
                   "RollbackToVersion": cpb.RollbackToVersionRequest(
                       workspace_id=w.ws, version=number)}[method]
        return method, message
    return Case(f"{method}-v{number}", request, code, field)  # type: ignore[arg-type]


def _changes(w: World, old: int, new: int) -> tuple[str, cpb.GetVersionChangesRequest]:
    return "GetVersionChanges", cpb.GetVersionChangesRequest(
        workspace_id=w.ws, from_version=old, to_version=new)


CASES: list[Case] = [
    Case("publish-without-reviewed-revision", lambda w: _publish(workspace_id=w.ws),
         IA, "reviewed_revision"),
    Case("publish-stale-revision", lambda w: _publish(workspace_id=w.ws,
         reviewed_revision=w.revision - 1), grpc.StatusCode.ABORTED, reason="STALE_REVISION"),
    Case("publish-nothing", lambda w: _publish(workspace_id=w.ws, reviewed_revision=w.revision),
         FP, reason="NOTHING_TO_PUBLISH"),
    Case("publish-invalid-draft", lambda w: _publish(workspace_id=w.ws,
         reviewed_revision=w.revision + 1), FP, "squad/desk.member_agent_ids[1]",
         "DRAFT_INVALID", prepare=_dangling_squad),
    Case("publish-message-too-long", lambda w: _publish(workspace_id=w.ws,
         reviewed_revision=w.revision, message="m" * 1001), IA, "message"),
    Case("publish-request-id-too-long", lambda w: _publish(workspace_id=w.ws,
         reviewed_revision=w.revision, request_id="r" * 101), IA, "request_id"),
    # Postgres text cannot hold NUL: refused as input, not an INTERNAL from the driver
    Case("publish-request-id-nul", lambda w: _publish(workspace_id=w.ws,
         reviewed_revision=w.revision + 1, request_id="req-\x00"), IA, "request_id",
         "BAD_CHARACTER", prepare=_voice),
    Case("publish-message-nul", lambda w: _publish(workspace_id=w.ws,
         reviewed_revision=w.revision + 1, message="v2\x00"), IA, "message",
         "BAD_CHARACTER", prepare=_voice),
    Case("rollback-request-id-nul", lambda w: ("RollbackToVersion",
         cpb.RollbackToVersionRequest(workspace_id=w.ws, version=1, request_id="\x00")),
         IA, "request_id", "BAD_CHARACTER"),
    # AIP-155 as Stripe applies it: a request id names one request, not one slot
    _reused("rollback-with-a-publish-request-id", lambda w: ("RollbackToVersion",
            cpb.RollbackToVersionRequest(workspace_id=w.ws, version=1, message="v2",
                                         request_id=REUSED))),
    _reused("publish-request-id-other-revision", lambda w: _publish(
            workspace_id=w.ws, reviewed_revision=w.revision, message="v2",
            request_id=REUSED)),
    _reused("publish-request-id-other-message", lambda w: _publish(
            workspace_id=w.ws, reviewed_revision=w.revision + 1, message="v2, again",
            request_id=REUSED)),
    _version("GetVersion", 0, IA, "version"), _version("GetVersion", -1, IA, "version"),
    _version("GetVersion", 999, NF), _version("RestoreVersion", 0, IA, "version"),
    _version("RestoreVersion", 999, NF), _version("RollbackToVersion", 0, IA, "version"),
    _version("RollbackToVersion", 999, NF), _version("RollbackToVersion", 1, FP),
    Case("diff-from-version-0", lambda w: ("DiffVersions", cpb.DiffVersionsRequest(
         workspace_id=w.ws, from_version=0, to_version=1)), IA, "from_version"),
    Case("diff-to-version-999", lambda w: ("DiffVersions", cpb.DiffVersionsRequest(
         workspace_id=w.ws, from_version=1, to_version=999)), NF, reason="VERSION_NOT_FOUND"),
    Case("changes-from-version-0", lambda w: _changes(w, 0, 1), IA, "from_version",
         "BAD_VERSION"),
    Case("changes-to-version-999", lambda w: _changes(w, 1, 999), NF,
         reason="VERSION_NOT_FOUND"),
    Case("changes-from-version-999", lambda w: _changes(w, 999, 1), NF,
         reason="VERSION_NOT_FOUND"),
    Case("changes-backwards", lambda w: _changes(w, 2, 1), IA, "to_version", "VERSION_ORDER",
         prepare=_published_with_request_id),
    Case("restore-without-revision", lambda w: ("RestoreVersion", cpb.RestoreVersionRequest(
         workspace_id=w.ws, version=1)), IA, "draft_revision"),
    Case("restore-stale-revision", lambda w: ("RestoreVersion", cpb.RestoreVersionRequest(
         workspace_id=w.ws, version=1, draft_revision=w.revision - 1)),
         grpc.StatusCode.ABORTED),
    Case("backup-without-id", lambda w: ("RestoreDraftBackup", cpb.RestoreDraftBackupRequest(
         workspace_id=w.ws, draft_revision=w.revision)), IA, "backup_id"),
    Case("backup-unknown", lambda w: ("RestoreDraftBackup", cpb.RestoreDraftBackupRequest(
         workspace_id=w.ws, backup_id="nope", draft_revision=w.revision)), NF),
    Case("versions-garbage-token", lambda w: ("ListVersions", cpb.ListVersionsRequest(
         workspace_id=w.ws, page_token="%%%")), IA, "page_token"),
    Case("versions-foreign-token", lambda w: ("ListVersions", cpb.ListVersionsRequest(
         workspace_id=w.ws, page_token=w.draft_token)), IA, "page_token", "BAD_PAGE_TOKEN"),
    Case("versions-negative-page-size", lambda w: ("ListVersions", cpb.ListVersionsRequest(
         workspace_id=w.ws, page_size=-5)), IA, "page_size"),
    Case("backups-foreign-token", lambda w: ("ListDraftBackups", cpb.ListDraftBackupsRequest(
         workspace_id=w.ws, page_token=w.draft_token)), IA, "page_token"),
    Case("backups-negative-page-size", lambda w: ("ListDraftBackups",
         cpb.ListDraftBackupsRequest(workspace_id=w.ws, page_size=-1)), IA, "page_size"),
    Case("workspaces-foreign-token", lambda w: ("ListWorkspaces", cpb.ListWorkspacesRequest(
         page_token=w.draft_token)), IA, "page_token"),
    Case("workspaces-negative-page-size", lambda w: ("ListWorkspaces",
         cpb.ListWorkspacesRequest(page_size=-1)), IA, "page_size"),
    Case("channels-foreign-token", lambda w: ("ListChannels", cpb.ListChannelsRequest(
         workspace_id=w.ws, page_token=w.draft_token)), IA, "page_token"),
    Case("channels-negative-page-size", lambda w: ("ListChannels", cpb.ListChannelsRequest(
         workspace_id=w.ws, page_size=-1)), IA, "page_size"),
    Case("production-of-empty-workspace", lambda w: ("GetProduction",
         cpb.GetProductionRequest(workspace_id="ws-" + "0" * 12)), NF),
    Case("channel-missing-agent", lambda w: ("CreateChannel", cpb.CreateChannelRequest(
         workspace_id=w.ws, channel=_channel(w, target_id="ghost"))), FP,
         reason="CHANNEL_TARGET_MISSING"),
    Case("channel-bad-id", lambda w: ("CreateChannel", cpb.CreateChannelRequest(
         workspace_id=w.ws, channel=_channel(w, channel_id="Web Site"))), IA,
         "channel.channel_id"),
    Case("channel-no-type", lambda w: ("CreateChannel", cpb.CreateChannelRequest(
         workspace_id=w.ws, channel=_channel(w, type=0))), IA, "channel.type"),
    Case("channel-type-99", lambda w: ("CreateChannel", cpb.CreateChannelRequest(
         workspace_id=w.ws, channel=_channel(w, type=99))), IA, "channel.type"),
    Case("channel-bound-to-a-tool", lambda w: ("CreateChannel", cpb.CreateChannelRequest(
         workspace_id=w.ws, channel=_channel(w, target_kind=pb.ENTITY_KIND_TOOL,
                                             target_id="weather"))), IA, "channel.target_kind"),
    Case("channel-duplicate", lambda w: ("CreateChannel", cpb.CreateChannelRequest(
         workspace_id=w.ws, channel=_channel(w))), grpc.StatusCode.ALREADY_EXISTS,
         prepare=_web_channel),
    Case("channel-get-without-id", lambda w: ("GetChannel", cpb.GetChannelRequest(
         workspace_id=w.ws)), IA, "channel_id"),
    Case("channel-get-missing", lambda w: ("GetChannel", cpb.GetChannelRequest(
         workspace_id=w.ws, channel_id="nope")), NF, reason="CHANNEL_NOT_FOUND"),
    Case("channel-update-without-etag", lambda w: ("UpdateChannel", cpb.UpdateChannelRequest(
         workspace_id=w.ws, channel=_channel(w))), IA, "channel.etag", prepare=_web_channel),
    Case("channel-update-stale-etag", lambda w: ("UpdateChannel", cpb.UpdateChannelRequest(
         workspace_id=w.ws, channel=_channel(w, etag="stale"))), grpc.StatusCode.ABORTED,
         prepare=_web_channel),
    Case("channel-delete-without-etag", lambda w: ("DeleteChannel", cpb.DeleteChannelRequest(
         workspace_id=w.ws, channel_id="web")), IA, "etag", prepare=_web_channel),
    # found by tests/fuzz: a NUL reached Postgres (INTERNAL), a Timestamp out of range too
    Case("channel-get-nul-id", lambda w: ("GetChannel", cpb.GetChannelRequest(
         workspace_id=w.ws, channel_id="\x00")), NF, reason="CHANNEL_NOT_FOUND"),
    Case("channel-delete-nul-id", lambda w: ("DeleteChannel", cpb.DeleteChannelRequest(
         workspace_id=w.ws, channel_id="we\x00b", etag="e")), NF, reason="CHANNEL_NOT_FOUND",
         prepare=_web_channel),
    Case("key-revoke-nul-id", lambda w: ("RevokeApiKey", cpb.RevokeApiKeyRequest(
         workspace_id=w.ws, key_id="\x00")), NF, reason="KEY_NOT_FOUND"),
    Case("key-expire-time-out-of-range", lambda w: ("CreateApiKey", cpb.CreateApiKeyRequest(
         workspace_id=w.ws, role=cpb.ROLE_VIEWER, display_name="k",
         expire_time=Timestamp(seconds=2**62))), IA, "expire_time", "BAD_TIMESTAMP"),
    Case("key-expire-time-bad-nanos", lambda w: ("CreateApiKey", cpb.CreateApiKeyRequest(
         workspace_id=w.ws, role=cpb.ROLE_VIEWER, display_name="k",
         expire_time=Timestamp(seconds=4102444800, nanos=-1))), IA, "expire_time",
         "BAD_TIMESTAMP"),
    Case("message-over-the-size-limit", lambda w: ("CreateDraftEntity",
         cpb.CreateDraftEntityRequest(workspace_id=w.ws, entity=b.agent(
             "huge", instructions="x" * (5 * 1024 * 1024)))),
         grpc.StatusCode.RESOURCE_EXHAUSTED, by_grpc=True),
]
