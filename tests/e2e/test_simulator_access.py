"""StreamChat's access rule is Chat's (editor and above, never a channel key, another
workspace NOT_FOUND), and the simulator reads live_tool_ids with the runtime's service
credential (GetWorkspace), so a turn that needs them answers with auth on."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.e2e.access_setup import ROLES, Secured, auth, secured

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["secured"]
EDITOR_OR_MORE = {"editor", "publisher", "admin"}


def request(ws: str, **kw: Any) -> rpb.StreamChatRequest:
    return rpb.StreamChatRequest(chat=rpb.ChatRequest(
        workspace_id=ws, target_kind=pb.ENTITY_KIND_AGENT, target_id="support",
        source=rpb.CHAT_SOURCE_DRAFT, message="hi", **kw))


async def outcome(call: Any) -> tuple[grpc.StatusCode, str, list[rpb.StreamChatResponse]]:
    events: list[rpb.StreamChatResponse] = []
    try:
        async for event in call:
            events.append(event)
    except grpc.aio.AioRpcError as exc:
        status = rpc_status.from_call(exc)  # type: ignore[arg-type]
        for detail in status.details if status else ():
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return exc.code(), info.reason, events
        return exc.code(), "", events
    return grpc.StatusCode.OK, "", events


@pytest.mark.parametrize(("role", "target"), [(r, t) for r in ROLES for t in ("own", "other")])
async def test_stream_chat_needs_the_editor_role(secured: Secured, role: str, target: str,
                                                 ) -> None:
    ws = secured.own if target == "own" else secured.other
    code, reason, events = await outcome(secured.runtime.stub.StreamChat(
        request(ws), metadata=auth(secured.keys[role])))
    if role not in EDITOR_OR_MORE:
        assert (code, reason) == (grpc.StatusCode.PERMISSION_DENIED, "ROLE_REQUIRED")
    elif target == "other":
        assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "WORKSPACE_NOT_FOUND")
    else:
        assert code == grpc.StatusCode.OK and events[-1].HasField("done")


async def test_live_tool_ids_are_read_with_the_service_credential(secured: Secured) -> None:
    script = rpb.ScriptedTurn(moves=[
        rpb.ModelMove(tool_calls=[rpb.ToolCall(tool="weather")]),
        rpb.ModelMove(reply="ok")])
    script.moves[0].tool_calls[0].arguments["city"] = "Porto"
    code, _, events = await outcome(secured.runtime.stub.StreamChat(
        request(secured.own, responder=rpb.RESPONDER_KIND_SCRIPTED, script=script),
        metadata=auth(secured.keys["editor"])))
    assert code == grpc.StatusCode.OK
    [call] = events[-1].done.trace.tool_calls
    assert call.outcome == rpb.TOOL_OUTCOME_NO_MOCK  # live_tool_ids read: none allow it
