"""What every page handler shares: the signed-in session, the backend call with its key,
and rendering a template with the session's role and CSRF token (so a template offers only
what the role may do)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from google.protobuf.message import Message
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from console import present
from console.backend import Backend
from console.errors import Forbidden
from console.sessions import Session

VIEWER, EDITOR, PUBLISHER, ADMIN = 1, 2, 3, 4
PAGE_SIZE = 20

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
templates.env.globals.update(VIEWER=VIEWER, EDITOR=EDITOR, PUBLISHER=PUBLISHER, ADMIN=ADMIN)
templates.env.filters.update(present.FILTERS)


class SignInRequired(Exception):
    """Raised by ``session`` for a visitor without a key: the app redirects to /signin."""


def session(request: Request, role: int = VIEWER) -> Session:
    """The signed-in session; a role below ``role`` gets 403 (the page is not offered)."""
    found: Session = request.scope["state"]["session"]
    if not found.signed_in:
        raise SignInRequired()
    if not found.can(role):
        raise Forbidden(f"this page needs the {_name(role)} role; you are signed in as "
                        f"{found.role_name}", status=403)
    return found


def _name(role: int) -> str:
    return {VIEWER: "viewer", EDITOR: "editor", PUBLISHER: "publisher", ADMIN: "admin"}[role]


def backend(request: Request) -> Backend:
    found: Backend = request.app.state.backend
    return found


async def call(request: Request, method_name: str, message: Message, role: int = VIEWER,
               runtime: bool = False) -> Any:
    """``method_name`` on the config service (or the runtime), with the session's key."""
    who = session(request, role)
    found = backend(request)
    stub = found.runtime if runtime else found.config
    service = "runtime service" if runtime else "config service"
    return await found.call(getattr(stub, method_name), message, who.key, service)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def render(request: Request, name: str, http_status: int = 200, **context: Any,
           ) -> Response:
    who: Session = request.scope["state"]["session"]
    return templates.TemplateResponse(request, name, {
        "me": who, "csrf": who.csrf, "htmx": is_htmx(request), **context},
        status_code=http_status)


async def form(request: Request) -> dict[str, str]:
    data = await request.form()
    return {k: v for k, v in data.items() if isinstance(v, str)}
