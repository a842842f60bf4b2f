"""``/healthz`` for probes (Kubernetes, the compose healthcheck, the browser tests' start-up
wait): "ok" while the process serves HTTP. It answers in front of the session guard, so a
probe every few seconds neither starts a session in memory nor gets a cookie. It does not
call the services: a console whose config service is down still answers, and says so on its
pages."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

PATH = "/healthz"
BODY = b"ok"


class HealthCheck:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != PATH \
                or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        headers = [(b"content-type", b"text/plain; charset=utf-8"),
                   (b"content-length", str(len(BODY)).encode()),
                   (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else BODY
        await send({"type": "http.response.body", "body": body})
