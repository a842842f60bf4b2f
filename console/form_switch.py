"""Switching between the form and the YAML editor without losing what was typed: the form's
values become the editor's text, or the text the form's values, on the server. Nothing is
saved; the etag read when the entity was opened is carried along, so the eventual save is
still refused if someone else saved meanwhile."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console import entities
from console.errors import ConsoleError
from console.form_values import build, read_form, values_of
from console.form_views import form_page, kind_of
from console.web import EDITOR, form, render, session


async def to_yaml(request: Request) -> Response:
    session(request, EDITOR)
    kind, entity_id = kind_of(request.path_params["kind"]), request.path_params["entity_id"]
    data = await request.form()
    values, etag = read_form(kind, data), str(data.get("etag", ""))
    try:
        entity = build(kind, entity_id, values)
    except ConsoleError as exc:  # the YAML would lose the wrong value: fix it here first
        return await form_page(request, kind, entity_id, values, exc.status, exc, etag=etag,
                               mode="edit", saved=None)
    return render(request, "entity.html", kind=kind, entity_id=entity_id,
                  text=entities.spec_yaml(entity), etag=etag, issues=[], error=None,
                  saved=False)


async def to_form(request: Request) -> Response:
    session(request, EDITOR)
    kind, entity_id = kind_of(request.path_params["kind"]), request.path_params["entity_id"]
    data = await form(request)
    text, etag = data.get("spec", ""), data.get("etag", "")
    try:
        entity = entities.parse(kind, entity_id, text)
    except ConsoleError as exc:  # text that does not parse has no fields to show
        return render(request, "entity.html", exc.status, kind=kind, entity_id=entity_id,
                      text=text, etag=etag, issues=entities.located(exc.problems, text),
                      error=exc.message, saved=False)
    return await form_page(request, kind, entity_id,
                           values_of(kind, getattr(entity, kind.name)), etag=etag,
                           mode="edit", saved=None)


routes = [Route("/draft/{kind}/{entity_id}/form/yaml", to_yaml, methods=["POST"]),
          Route("/draft/{kind}/{entity_id}/form/from-yaml", to_form, methods=["POST"])]
