"""The internal chat: talk to the Draft or to any published version through the runtime
(never a channel), with each turn's trace: the agent that answered, a hand-off, the
effective instructions, the tools and MCP servers offered, what served it. A conversation
continues until "New conversation"; its turns are kept in the server-side session."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from console.errors import ConsoleError
from console.web import EDITOR, call, form, is_htmx, render, session

KINDS = {"agent": pb.ENTITY_KIND_AGENT, "squad": pb.ENTITY_KIND_SQUAD}
MAX_TURNS = 50  # per conversation kept in the session (the runtime keeps them all)
MAX_CHATS = 20  # conversations per session


@dataclass
class Turn:
    message: str
    reply: str
    trace: rpb.ChatTrace | None
    error: str = ""
    conversation_id: str = ""


def _where(request: Request, source: dict[str, str]) -> tuple[int, str, str]:
    """(version or 0 for the Draft, target kind, target id) from a query or form."""
    version = int(source.get("version", "0") or 0)
    kind, _, target = source.get("target", "").partition("/")
    return version, kind, target


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
                  if e.WhichOneof("spec") in KINDS)


def _key(version: int, kind: str, target: str) -> str:
    return f"{version}:{kind}/{target}"


async def chat_page(request: Request) -> Response:
    me = session(request, EDITOR)
    version, kind, target = _where(request, dict(request.query_params))
    targets = await _targets(request, me.workspace, version)
    if not target and targets:
        kind, _, target = targets[0].partition("/")
    turns = me.chats.get(_key(version, kind, target), [])
    return render(request, "chat.html", version=version, target=f"{kind}/{target}",
                  targets=targets, turns=turns)


async def send(request: Request) -> Response:
    me = session(request, EDITOR)
    data = await form(request)
    version, kind, target = _where(request, data)
    key = _key(version, kind, target)
    turns: list[Turn] = me.chats.setdefault(key, [])
    conversation = next((t.conversation_id for t in reversed(turns) if t.conversation_id), "")
    message = data.get("message", "")
    try:
        answer = await call(request, "Chat", rpb.ChatRequest(
            workspace_id=me.workspace, target_id=target,
            target_kind=KINDS.get(kind, pb.ENTITY_KIND_UNSPECIFIED),
            source=rpb.CHAT_SOURCE_VERSION if version else rpb.CHAT_SOURCE_DRAFT,
            version=version, message=message, conversation_id=conversation), EDITOR,
            runtime=True)
        turn = Turn(message, answer.reply, answer.trace, "", answer.conversation_id)
    except ConsoleError as exc:
        turn = Turn(message, "", None, exc.message)
    turns.append(turn)
    del turns[:-MAX_TURNS]
    while len(me.chats) > MAX_CHATS:
        me.chats.pop(next(iter(me.chats)))
    if is_htmx(request):
        return render(request, "_turn.html", turn=turn)
    query = f"?version={version}&target={kind}/{target}"
    return RedirectResponse(f"/chat{query}", status_code=303)


async def reset(request: Request) -> Response:
    me = session(request, EDITOR)
    data = await form(request)
    version, kind, target = _where(request, data)
    me.chats.pop(_key(version, kind, target), None)
    return RedirectResponse(f"/chat?version={version}&target={kind}/{target}",
                            status_code=303)


routes = [Route("/chat", chat_page), Route("/chat", send, methods=["POST"]),
          Route("/chat/reset", reset, methods=["POST"])]
