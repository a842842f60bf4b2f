"""The internal chat: talk to the Draft or to any published version through the runtime
(never a channel), with each turn's trace: the agent that answered, a hand-off, the
effective instructions, the tools and MCP servers offered, what served it. With htmx a
reply streams in over Server-Sent Events (views/chat_stream.py); a plain form post gets
the whole turn. A conversation continues until "New conversation"."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from console import chats
from console.chats import Ask, Turn
from console.errors import ConsoleError
from console.web import EDITOR, call, form, is_htmx, render, session


def _ask(source: dict[str, str]) -> Ask:
    kind, _, target = source.get("target", "").partition("/")
    tags = tuple(t.strip() for t in source.get("tags", "").split(",") if t.strip())
    return Ask(int(source.get("version", "0") or 0), kind, target, source.get("message", ""),
               tags, source.get("locale", "").strip(), source.get("channel_type", "").strip())


async def _targets(request: Request, ws: str, version: int) -> list[str]:
    if version:
        found = await call(request, "GetVersion", cpb.GetVersionRequest(
            workspace_id=ws, version=version, view=cpb.VERSION_VIEW_FULL))
        items = list(found.snapshot.entities)
    else:
        found = await call(request, "ListDraftEntities", cpb.ListDraftEntitiesRequest(
            workspace_id=ws, page_size=500))
        items = [e.entity for e in found.entities]
    return sorted(f"{e.WhichOneof('spec')}/{e.id}" for e in items
                  if e.WhichOneof("spec") in chats.KINDS)


async def chat_page(request: Request) -> Response:
    me = session(request, EDITOR)
    ask = _ask(dict(request.query_params))
    targets = await _targets(request, me.workspace, ask.version)
    if not ask.target and targets:
        kind, _, target = targets[0].partition("/")
        ask = Ask(ask.version, kind, target, "")
    kept = chats.turns(me, ask)
    return render(request, "chat.html", version=ask.version, target=ask.label,
                  targets=targets, turns=kept, conversation_id=chats.conversation(kept),
                  saved=request.query_params.get("saved", ""))


async def send(request: Request) -> Response:
    me = session(request, EDITOR)
    ask = _ask(await form(request))
    if is_htmx(request):
        return render(request, "_turn_streaming.html", message=ask.message,
                      token=chats.hold(me, ask))
    try:
        answer = await call(request, "Chat", chats.request(me, ask), EDITOR, runtime=True)
        turn = Turn(ask.message, answer.reply, answer.trace, "", answer.conversation_id)
    except ConsoleError as exc:
        turn = Turn(ask.message, "", None, exc.message)
    chats.record(me, ask, turn)
    return RedirectResponse(f"/chat?version={ask.version}&target={ask.label}",
                            status_code=303)


async def reset(request: Request) -> Response:
    me = session(request, EDITOR)
    ask = _ask(await form(request))
    me.chats.pop(ask.key, None)
    return RedirectResponse(f"/chat?version={ask.version}&target={ask.label}",
                            status_code=303)


routes = [Route("/chat", chat_page), Route("/chat", send, methods=["POST"]),
          Route("/chat/reset", reset, methods=["POST"])]
