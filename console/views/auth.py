"""Signing in with an API key and a workspace, and out. The key goes into the server-side
session only; the form never shows it again, not even after a failed attempt."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console import roles
from console.errors import ConsoleError
from console.web import backend, form, render


async def signin_page(request: Request) -> Response:
    default = request.app.state.settings.default_workspace
    return render(request, "signin.html", workspace=default, error=None)


async def signin(request: Request) -> Response:
    data = await form(request)
    key = data.get("api_key", "").strip()
    workspace = data.get("workspace", "").strip()
    if not key or not workspace:
        return render(request, "signin.html", 422, workspace=workspace,
                      error="Enter an API key and a workspace.")
    try:
        role = await roles.role_of(backend(request), key, workspace)
    except ConsoleError as exc:
        return render(request, "signin.html", exc.status if exc.status < 500 else 502,
                      workspace=workspace, error=f"Could not sign in: {exc.message}")
    store = request.app.state.sessions
    fresh = store.rotate(request.scope["state"]["session"])
    fresh.key, fresh.workspace, fresh.role = key, workspace, role
    request.scope["state"]["session"] = fresh
    return RedirectResponse("/", status_code=303)


async def signout(request: Request) -> Response:
    store = request.app.state.sessions
    request.scope["state"]["session"] = store.rotate(request.scope["state"]["session"])
    return RedirectResponse("/signin", status_code=303)


routes = [Route("/signin", signin_page, methods=["GET"]),
          Route("/signin", signin, methods=["POST"]),
          Route("/signout", signout, methods=["POST"])]
