"""A chat reply as Server-Sent Events: ``delta`` events carry the reply as the runtime
streams it (StreamChat), ``done`` the finished turn with its trace (which replaces the
streaming one), ``oob`` the "save as test case" form for the conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from agentconfig.v1 import runtime_service_pb2 as rpb
from console import chats
from console.chats import Ask, Turn
from console.errors import ConsoleError, from_rpc
from console.views.rollout import event
from console.web import EDITOR, backend, session, templates


async def _events(request: Request, ask: Ask) -> AsyncIterator[str]:
    me = session(request, EDITOR)
    turn = Turn(ask.message, "", None)
    try:
        call = backend(request).runtime.StreamChat(
            rpb.StreamChatRequest(chat=chats.request(me, ask)),
            metadata=(("authorization", f"Bearer {me.key}"),), timeout=60)
        async for item in call:
            kind = item.WhichOneof("event")
            if kind == "reply_delta":
                yield event("delta", str(escape(item.reply_delta)))
            elif kind == "handoff":
                yield event("delta", f"<em>({escape(item.handoff.from_agent_id)} → "
                                     f"{escape(item.handoff.to_agent_id)})</em> ")
            elif kind == "done":
                done = item.done
                turn = Turn(ask.message, done.reply, done.trace, "", done.conversation_id)
    except grpc.RpcError as exc:
        turn.error = from_rpc(exc, "runtime service").message
    except ConsoleError as exc:
        turn.error = exc.message
    chats.record(me, ask, turn)
    yield event("done", templates.get_template("_turn.html").render(turn=turn, me=me))
    slot = templates.get_template("_save_case.html").render(
        me=me, csrf=me.csrf, version=ask.version, target=ask.label,
        conversation_id=chats.conversation(chats.turns(me, ask)))
    yield event("oob", f'<div id="save-slot">{slot}</div>')


async def stream(request: Request) -> Response:
    me = session(request, EDITOR)
    ask = me.pending.pop(request.path_params["token"], None)
    if ask is None:
        raise ConsoleError("this chat message was already answered or has expired",
                           status=404)
    return StreamingResponse(_events(request, ask), media_type="text/event-stream",
                             headers={"cache-control": "no-store"})


routes = [Route("/chat/stream/{token}", stream)]
