"""Access control at the edge: one interceptor authenticates every call (``authorization:
Bearer <key>``) and checks the role the method needs; the workspace check happens in the
one place every use case loads its workspace (service/common.workspace).

The table below is the whole policy of the config service; docs/security.md mirrors it and
tests/e2e/test_access_matrix.py checks every row against every role.
"""

from __future__ import annotations

import hmac
from typing import Any

from agentconfig.apikeys import sha256
from agentconfig.errors import PermissionDenied, Unauthenticated
from agentconfig.interceptors import BeforeCall, bearer
from config_service.domain.auth import (
    Principal,
    Role,
    current_peer,
    current_principal,
)
from config_service.service.keys import authenticate
from config_service.service.ports import UnitOfWorkFactory

SERVICE = "/agentconfig.v1.ConfigService/"
OPERATOR = "operator"  # the bootstrap key from the environment: every workspace, every RPC
RUNTIME = "service"  # the runtime's credential: the reads a replica needs, nothing else

# method -> the role a workspace key needs (None: no workspace key may call it)
POLICY: dict[str, Role | None] = {
    "CreateWorkspace": None,
    "GetWorkspace": Role.VIEWER,
    "ListWorkspaces": Role.VIEWER,
    "UpdateWorkspaceSettings": Role.ADMIN,
    "GetDraft": Role.VIEWER,
    "ListDraftEntities": Role.VIEWER,
    "GetDraftEntity": Role.VIEWER,
    "ValidateDraft": Role.VIEWER,
    "GetDraftSnapshot": Role.VIEWER,
    "DiffDraft": Role.VIEWER,
    "DiffVersions": Role.VIEWER,
    "ListVersions": Role.VIEWER,
    "GetVersion": Role.VIEWER,
    "GetProduction": Role.VIEWER,
    "GetVersionChanges": Role.VIEWER,
    "ListDraftBackups": Role.VIEWER,
    "GetRolloutStatus": Role.VIEWER,
    "GetChannel": Role.VIEWER,
    "ListChannels": Role.VIEWER,
    "GetTestCase": Role.VIEWER,
    "ListTestCases": Role.VIEWER,
    "GetTestRun": Role.VIEWER,
    "ListTestRuns": Role.VIEWER,
    "DiffTestRuns": Role.VIEWER,
    "GetRollout": Role.VIEWER,
    "ListRollouts": Role.VIEWER,
    "ListSchedules": Role.VIEWER,
    "CreateDraftEntity": Role.EDITOR,
    "UpdateDraftEntity": Role.EDITOR,
    "DeleteDraftEntity": Role.EDITOR,
    "ApplyDraftEntities": Role.EDITOR,
    "RestoreVersion": Role.EDITOR,
    "RestoreDraftBackup": Role.EDITOR,
    "CreateTestCase": Role.EDITOR,
    "UpdateTestCase": Role.EDITOR,
    "DeleteTestCase": Role.EDITOR,
    "CreateTestRun": Role.EDITOR,
    "PublishDraft": Role.PUBLISHER,
    "RollbackToVersion": Role.PUBLISHER,
    "StartRollout": Role.PUBLISHER,
    "AdvanceRollout": Role.PUBLISHER,
    "PromoteRollout": Role.PUBLISHER,
    "AbortRollout": Role.PUBLISHER,
    "SchedulePublish": Role.PUBLISHER,
    "CancelSchedule": Role.PUBLISHER,
    "CreateChannel": Role.ADMIN,
    "UpdateChannel": Role.ADMIN,
    "DeleteChannel": Role.ADMIN,
    "CreateApiKey": Role.ADMIN,
    "ListApiKeys": Role.ADMIN,
    "RevokeApiKey": Role.ADMIN,
    "ListAuditEvents": Role.ADMIN,
    "IntrospectApiKey": None,
    "ReportOutcomeCounts": None,
    "GetCaller": Role.VIEWER,  # and SELF: any authenticated caller, about itself
}
# about the caller itself, nothing else: whoever authenticated may ask
SELF = frozenset({"GetCaller"})
# only the runtime's credential: not even the operator key (forged outcomes abort rollouts)
RUNTIME_ONLY = frozenset({"IntrospectApiKey", "ReportOutcomeCounts"})
RUNTIME_METHODS = frozenset({"GetProduction", "GetVersion", "GetVersionChanges",
                             "GetDraftSnapshot", "ListChannels", "GetWorkspace", "GetRollout",
                             *RUNTIME_ONLY, *SELF})


def _same(presented: str, expected_sha256: str) -> bool:
    return bool(expected_sha256) and hmac.compare_digest(sha256(presented), expected_sha256)


class Authenticator:
    def __init__(self, uowf: UnitOfWorkFactory, operator_key: str, service_key: str) -> None:
        self._uowf = uowf
        # only hashes are kept in memory too
        self._operator = sha256(operator_key) if operator_key else ""
        self._service = sha256(service_key) if service_key else ""

    async def principal(self, token: str | None) -> Principal:
        if not token:
            raise Unauthenticated("missing credentials: send `authorization: Bearer <key>`",
                                  reason="NO_KEY")
        if _same(token, self._operator):
            return Principal("operator", OPERATOR)
        if _same(token, self._service):
            return Principal("runtime", RUNTIME)
        return await authenticate(self._uowf, token)


def check(method: str, principal: Principal) -> None:
    name = method.removeprefix(SERVICE)
    needed = POLICY.get(name)
    if name in SELF:
        return
    if principal.kind == OPERATOR and name in POLICY and name not in RUNTIME_ONLY:
        return
    if principal.kind == RUNTIME and name in RUNTIME_METHODS:
        return
    if principal.kind == "key" and needed is not None and principal.has(needed):
        return
    if needed is not None:
        label = needed.label
    else:
        label = "runtime service" if name in RUNTIME_ONLY else "operator"
    raise PermissionDenied(f"{name} needs the {label} role", reason="ROLE_REQUIRED",
                           metadata={"required_role": label, "method": name})


class AuthInterceptor(BeforeCall):
    """A before-call hook: its refusals are mapped to statuses like any other error."""

    prefix = SERVICE

    def __init__(self, authenticator: Authenticator) -> None:
        self._auth = authenticator

    async def before(self, method: str, context: Any) -> None:
        principal = await self._auth.principal(bearer(context.invocation_metadata()))
        check(SERVICE + method, principal)
        current_principal.set(principal)
        current_peer.set(context.peer() or "")


class PeerInterceptor(BeforeCall):
    """With authentication off: still record where calls come from, for the audit log."""

    prefix = SERVICE

    async def before(self, method: str, context: Any) -> None:
        current_peer.set(context.peer() or "")


__all__ = ["POLICY", "RUNTIME_METHODS", "AuthInterceptor", "Authenticator",
           "PeerInterceptor", "check"]
