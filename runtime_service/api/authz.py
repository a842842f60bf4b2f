"""The runtime's one authentication interceptor: ``authorization: Bearer <key>``, verified
against the key cache, then the method rule of domain/access.py. The workspace and channel
rules are checked where each RPC names them (servicer)."""

from __future__ import annotations

import hmac
from typing import Any

from agentconfig.interceptors import BeforeCall, bearer
from runtime_service.domain.access import Caller, check_method, current_caller
from runtime_service.service.keys import KeyCache

SERVICE = "/agentconfig.v1.RuntimeService/"


class RuntimeAuthInterceptor(BeforeCall):
    prefix = SERVICE

    def __init__(self, keys: KeyCache, service_key: str = "", operator_key: str = "") -> None:
        self._keys = keys
        self._service_key = service_key
        self._operator_key = operator_key

    async def _caller(self, method: str, context: Any) -> Caller:
        token = bearer(context.invocation_metadata())
        known = self._keys.accepted(token)
        if known is not None:  # the read path's fast lane: a key verified moments ago
            check_method(method, known)
            current_caller.set(known)
            return known
        if token and self._service_key and hmac.compare_digest(token, self._service_key):
            caller = Caller("runtime", None, "service")
        elif token and self._operator_key and hmac.compare_digest(token, self._operator_key):
            caller = Caller("operator", None, "admin")
        else:
            caller = await self._keys.caller(token)
        check_method(method, caller)
        current_caller.set(caller)
        return caller

    async def before(self, method: str, context: Any) -> None:
        await self._caller(method, context)
