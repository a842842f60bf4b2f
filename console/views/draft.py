"""The Draft: every entity by kind with its references, edit one as YAML (problems shown
beside the editor with their field paths), create, delete, and validate everything."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.kinds import KINDS, Kind
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from agentctl.entities import kind_enum
from console import entities
from console.errors import ConsoleError, Invalid
from console.web import EDITOR, call, form, render, session


async def _all(request: Request, ws: str) -> tuple[list[pb.DraftEntity], int]:
    out: list[pb.DraftEntity] = []
    token, revision = "", 0
    while True:
        page = await call(request, "ListDraftEntities", cpb.ListDraftEntitiesRequest(
            workspace_id=ws, page_size=500, page_token=token))
        out += page.entities
        token, revision = page.next_page_token, page.draft_revision
        if not token:
            return out, revision


async def draft(request: Request) -> Response:
    ws = session(request).workspace
    found, revision = await _all(request, ws)
    return render(request, "draft.html", groups=entities.rows(found), revision=revision,
                  report=None)


async def validate(request: Request) -> Response:
    ws = session(request).workspace
    report = await call(request, "ValidateDraft", cpb.ValidateDraftRequest(workspace_id=ws))
    return render(request, "_validation.html", report=report)


def _kind(word: str) -> Kind:
    kind = entities.kind_from_url(word)
    if kind is None:
        raise ConsoleError(f"no such kind: {word!r}", status=404)
    return kind


async def entity_page(request: Request) -> Response:
    ws = session(request).workspace
    kind = _kind(request.path_params["kind"])
    found = await call(request, "GetDraftEntity", cpb.GetDraftEntityRequest(
        workspace_id=ws, kind=kind_enum(kind), entity_id=request.path_params["entity_id"]))
    saved = session(request).flash.pop("saved", None)
    return render(request, "entity.html", kind=kind, entity_id=found.entity.entity.id,
                  text=entities.spec_yaml(found.entity.entity), etag=found.entity.etag,
                  issues=[], error=None, saved=saved is not None, revision=saved)


async def save(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    kind = _kind(request.path_params["kind"])
    entity_id = request.path_params["entity_id"]
    data = await form(request)
    text, etag = data.get("spec", ""), data.get("etag", "")
    try:
        entity = entities.parse(kind, entity_id, text)
        saved = await call(request, "UpdateDraftEntity", cpb.UpdateDraftEntityRequest(
            workspace_id=ws, entity=entity, etag=etag), EDITOR)
    except ConsoleError as exc:
        return render(request, "entity.html", exc.status, kind=kind, entity_id=entity_id,
                      text=text, etag=etag, issues=entities.located(exc.problems, text),
                      error=exc.message, saved=False)
    session(request).flash["saved"] = saved.draft_revision
    return RedirectResponse(f"/draft/{request.path_params['kind']}/{entity_id}",
                            status_code=303)


async def delete(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    kind = _kind(request.path_params["kind"])
    data = await form(request)
    await call(request, "DeleteDraftEntity", cpb.DeleteDraftEntityRequest(
        workspace_id=ws, kind=kind_enum(kind), entity_id=request.path_params["entity_id"],
        etag=data.get("etag", "")), EDITOR)
    return RedirectResponse("/draft", status_code=303)


async def new_page(request: Request) -> Response:
    session(request, EDITOR)
    return render(request, "new_entity.html", kinds=KINDS, kind="agent", entity_id="",
                  text="name: \n", issues=[], error=None)


async def create(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    data = await form(request)
    word, entity_id, text = data.get("kind", ""), data.get("entity_id", "").strip(), \
        data.get("spec", "")
    try:
        if not entity_id:
            raise Invalid("an entity needs an id", [], 422)
        entity = entities.parse(_kind(word), entity_id, text)
        await call(request, "CreateDraftEntity", cpb.CreateDraftEntityRequest(
            workspace_id=ws, entity=entity), EDITOR)
    except ConsoleError as exc:
        return render(request, "new_entity.html", exc.status, kinds=KINDS, kind=word,
                      entity_id=entity_id, text=text,
                      issues=entities.located(exc.problems, text), error=exc.message)
    return RedirectResponse(f"/draft/{word.replace('_', '-')}/{entity_id}", status_code=303)


routes = [Route("/draft", draft), Route("/draft/validate", validate, methods=["POST"]),
          Route("/draft/new", new_page), Route("/draft/new", create, methods=["POST"]),
          Route("/draft/{kind}/{entity_id}", entity_page),
          Route("/draft/{kind}/{entity_id}", save, methods=["POST"]),
          Route("/draft/{kind}/{entity_id}/delete", delete, methods=["POST"])]
