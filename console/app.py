"""The ASGI app: routes from each view module, static files (htmx, the stylesheet, a few
lines of our own JS), the session guard in front, and the two places a failure becomes a
page: no session sends the visitor to sign in, a ConsoleError is shown as its message
(an htmx request gets the message alone, to put where the answer would have gone)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from console import form_switch, form_views
from console.backend import Backend
from console.errors import ConsoleError
from console.guard import SessionGuard
from console.health import HealthCheck
from console.sessions import SessionStore
from console.settings import ConsoleSettings
from console.views import (
    auth,
    chat,
    chat_stream,
    draft,
    history,
    live,
    overview,
    publish,
    rollout,
    rollouts,
    schedules,
    suite,
)
from console.web import SignInRequired, is_htmx, render

STATIC = Path(__file__).parent / "static"


async def _sign_in(request: Request, exc: Exception) -> Response:
    if is_htmx(request):  # a partial cannot redirect the page; htmx follows this header
        return Response(status_code=401, headers={"HX-Redirect": "/signin"})
    return RedirectResponse("/signin", status_code=303)


async def _failed(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ConsoleError)
    if exc.status == 401:  # the key was revoked or expired meanwhile
        request.app.state.sessions.rotate(request.scope["state"]["session"])
    name = "_error.html" if is_htmx(request) else "error.html"
    return render(request, name, exc.status, error=exc)


def create_app(settings: ConsoleSettings, backend: Backend | None = None) -> Starlette:
    used = backend or Backend(settings)
    store = SessionStore(settings.session_idle_seconds, settings.session_max_seconds)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await used.start()
        try:
            yield
        finally:
            await used.stop()

    routes = [Mount("/static", StaticFiles(directory=STATIC)),
              *auth.routes, *overview.routes, *form_views.routes, *form_switch.routes,
              *draft.routes, *publish.routes, *rollout.routes, *history.routes, *chat.routes,
              *chat_stream.routes, *live.routes, *suite.routes, *rollouts.routes,
              *schedules.routes]
    app = Starlette(routes=routes, lifespan=lifespan,
                    middleware=[Middleware(HealthCheck),  # /healthz, before any session
                                Middleware(SessionGuard, store=store,
                                           secure=settings.cookie_secure)],
                    exception_handlers={SignInRequired: _sign_in, ConsoleError: _failed})
    app.state.settings = settings
    app.state.backend = used
    app.state.sessions = store
    return app
