"""One ASGI middleware in front of every route: it finds (or starts) the visitor's session,
sets its cookie when the id changes, and refuses any POST that does not carry the session's
CSRF token (header ``X-CSRF-Token``, which htmx sends, or form field ``csrf_token``, which
plain forms send) with 403 before a route sees it. Pure ASGI, so streamed answers (SSE)
pass through untouched."""

from __future__ import annotations

from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console.sessions import COOKIE, Session, SessionStore

MAX_FORM_BYTES = 2 * 1024 * 1024
# on every answer: no page of the console inside another site's frame (a publish button
# under a decoy is clickjacking), no type sniffing, no URL (workspace, version) leaked to
# other sites in the Referer
PROTECTIONS = [(b"x-frame-options", b"DENY"),
               (b"content-security-policy", b"frame-ancestors 'none'"),
               (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin")]
REFUSED = b"<!doctype html><title>Refused</title><p>Refused: the form's CSRF token is missing \
or stale. Reload the page and try again.</p>"


class SessionGuard:
    def __init__(self, app: ASGIApp, store: SessionStore, secure: bool) -> None:
        self.app = app
        self.store = store
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        cookie = SimpleCookie(headers.get("cookie", ""))
        sid = cookie[COOKIE].value if COOKIE in cookie else None
        session = self.store.get(sid) or self.store.new()
        scope.setdefault("state", {})["session"] = session
        if scope["method"] == "POST":
            ok, receive = await self._csrf(session, headers, receive)
            if not ok:
                await _refuse(send)
                return
        await self.app(scope, receive, self._with_cookie(scope, sid, send))

    async def _csrf(self, session: Session, headers: dict[str, str], receive: Receive,
                    ) -> tuple[bool, Receive]:
        if session.csrf_ok(headers.get("x-csrf-token")):
            return True, receive
        if not headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return False, receive
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_FORM_BYTES:
                return False, receive
        form = parse_qs(body.decode("utf-8", "replace"))
        token = (form.get("csrf_token") or [""])[0]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return await receive()
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return session.csrf_ok(token), replay

    def _with_cookie(self, scope: Scope, sid: str | None, send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            session: Session = scope["state"]["session"]
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), *PROTECTIONS]
                if session.sid != sid:
                    headers.append((b"set-cookie",
                                    self._cookie(session.sid).encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)
        return wrapped

    def _cookie(self, sid: str) -> str:
        secure = "; Secure" if self.secure else ""
        return f"{COOKIE}={sid}; Path=/; HttpOnly; SameSite=Strict{secure}"


async def _refuse(send: Send) -> None:
    headers: list[Any] = [(b"content-type", b"text/html; charset=utf-8"), *PROTECTIONS]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": REFUSED})
