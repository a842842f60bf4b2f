"""Issue 9, conversations readable: ListConversations and GetConversation need the viewer
role or above in the conversation's workspace; a channel key (which creates conversations)
never reads them back, and another workspace's key learns nothing (NOT_FOUND, as for a
workspace that does not exist)."""

from __future__ import annotations

import uuid
from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e.access_setup import ROLES, SERVICE, Secured, auth, secured

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["secured"]


async def _outcome(call: Any) -> tuple[grpc.StatusCode, str]:
    try:
        await call
    except grpc.aio.AioRpcError as exc:
        status = rpc_status.from_call(exc)  # type: ignore[arg-type]
        for detail in status.details if status else ():
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return exc.code(), str(info.reason)
        return exc.code(), ""
    return grpc.StatusCode.OK, ""


@pytest.mark.parametrize("method", ["ListConversations", "GetConversation"])
@pytest.mark.parametrize("role", sorted(ROLES))
@pytest.mark.parametrize("target", ["own", "other"])
async def test_conversations_need_a_viewer_of_the_workspace(
        secured: Secured, method: str, role: str, target: str) -> None:
    stub = secured.runtime.stub
    conversation = f"conv-{uuid.uuid4().hex[:8]}"
    await stub.ResolveChannel(rpb.ResolveChannelRequest(
        workspace_id=secured.own, channel_id="web", conversation_id=conversation),
        metadata=auth(secured.keys["channel"]))
    ws = secured.own if target == "own" else secured.other
    request = (rpb.ListConversationsRequest(workspace_id=ws) if method == "ListConversations"
               else rpb.GetConversationRequest(workspace_id=ws, conversation_id=conversation))
    code, reason = await _outcome(getattr(stub, method)(request,
                                                         metadata=auth(secured.keys[role])))
    if role == "channel":
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED")
    elif target == "other":
        assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "WORKSPACE_NOT_FOUND")
    else:
        assert code == grpc.StatusCode.OK, (code, reason)


async def test_the_service_credential_reads_no_conversation(secured: Secured) -> None:
    code, _ = await _outcome(secured.runtime.stub.ListConversations(
        rpb.ListConversationsRequest(workspace_id=secured.own), metadata=auth(SERVICE)))
    assert code == grpc.StatusCode.PERMISSION_DENIED
