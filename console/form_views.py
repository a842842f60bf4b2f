"""The form editor of an entity, beside the YAML one: the same UpdateDraftEntity (with the
etag read) and CreateDraftEntity (with the Draft revision read) calls, so a stale edit is
refused as a conflict exactly as there; a refused save shows the page again with what was
typed and each problem beside the field its path names."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.kinds import KINDS, Kind, kind_by_name
from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.entities import kind_enum
from console.errors import ConsoleError, Invalid, Problem
from console.form import choices, fields_for
from console.form_values import Values, build, placed, read_form, values_of
from console.web import EDITOR, call, render, session


def kind_of(word: str) -> Kind:
    kind = kind_by_name(word.replace("-", "_"))
    if kind is None:
        raise ConsoleError(f"no such kind: {word!r}", status=404)
    return kind


def _url(kind: Kind, entity_id: str) -> str:
    return f"/draft/{kind.name.replace('_', '-')}/{entity_id}"


async def _draft_ids(request: Request) -> tuple[dict[str, list[str]], int]:
    """The Draft's ids by kind (what a reference may name) and its revision."""
    ws, token, out = session(request).workspace, "", dict[str, list[str]]()
    while True:
        page = await call(request, "ListDraftEntities", cpb.ListDraftEntitiesRequest(
            workspace_id=ws, page_size=500, page_token=token))
        for item in page.entities:
            kind = item.entity.WhichOneof("spec")
            if kind:
                out.setdefault(kind, []).append(item.entity.id)
        token = page.next_page_token
        if not token:
            return out, int(page.draft_revision)


async def form_page(request: Request, kind: Kind, entity_id: str, values: Values,
                status: int = 200, error: ConsoleError | None = None,
                draft: tuple[dict[str, list[str]], int] | None = None, **more: Any) -> Response:
    ids, revision = draft or await _draft_ids(request)
    fields = fields_for(kind)
    by_field, rest = placed(error.problems if error else [], [f.name for f in fields])
    options = {f.name: choices(f, values.get(f.name, ""), ids) for f in fields if f.ref_kind}
    return render(request, "entity_form.html", status, kind=kind, kinds=KINDS,
                  entity_id=entity_id, fields=fields, values=values, options=options,
                  by_field=by_field, rest=rest, error=error.message if error else None,
                  conflict=error is not None and error.status == 409,
                  revision=more.pop("revision", revision), **more)


async def edit_page(request: Request) -> Response:
    ws, kind = session(request).workspace, kind_of(request.path_params["kind"])
    found, draft = await asyncio.gather(call(request, "GetDraftEntity", cpb.GetDraftEntityRequest(
        workspace_id=ws, kind=kind_enum(kind), entity_id=request.path_params["entity_id"])),
        _draft_ids(request))  # concurrently: the page waits for the slower one only
    entity = found.entity.entity
    saved = session(request).flash.pop("saved", None)
    return await form_page(request, kind, entity.id, values_of(kind, getattr(entity, kind.name)),
                       draft=draft, etag=found.entity.etag, mode="edit", saved=saved,
                       revision=int(found.draft_revision))


async def save(request: Request) -> Response:
    ws, kind = session(request, EDITOR).workspace, kind_of(request.path_params["kind"])
    entity_id = request.path_params["entity_id"]
    data = await request.form()
    values, etag = read_form(kind, data), str(data.get("etag", ""))
    try:
        saved = await call(request, "UpdateDraftEntity", cpb.UpdateDraftEntityRequest(
            workspace_id=ws, entity=build(kind, entity_id, values), etag=etag), EDITOR)
    except ConsoleError as exc:
        return await form_page(request, kind, entity_id, values, exc.status, exc, etag=etag,
                           mode="edit", saved=None)
    session(request).flash["saved"] = saved.draft_revision
    return RedirectResponse(_url(kind, entity_id) + "/form", status_code=303)


async def new_page(request: Request) -> Response:
    session(request, EDITOR)
    kind = kind_of(request.query_params.get("kind", "agent"))
    return await form_page(request, kind, "", values_of(kind, kind.message()), mode="new",
                       etag="", saved=None)


async def create(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    data = await request.form()
    kind = kind_of(str(data.get("kind", "")))
    entity_id, values = str(data.get("entity_id", "")).strip(), read_form(kind, data)
    revision = str(data.get("revision", "0"))
    try:
        if not entity_id:
            raise Invalid("an entity needs an id", [Problem("id", "is required")], 422)
        done = await call(request, "CreateDraftEntity", cpb.CreateDraftEntityRequest(
            workspace_id=ws, entity=build(kind, entity_id, values),
            expected_revision=int(revision) if revision.isdigit() else 0), EDITOR)
    except ConsoleError as exc:  # after a conflict the form holds the new revision
        kept: dict[str, Any] = {} if exc.status == 409 else {"revision": revision}
        return await form_page(request, kind, entity_id, values, exc.status, exc, mode="new",
                           etag="", saved=None, **kept)
    session(request).flash["saved"] = done.draft_revision
    return RedirectResponse(_url(kind, entity_id) + "/form", status_code=303)


routes = [Route("/draft/new/form", new_page), Route("/draft/new/form", create, methods=["POST"]),
          Route("/draft/{kind}/{entity_id}/form", edit_page),
          Route("/draft/{kind}/{entity_id}/form", save, methods=["POST"])]
