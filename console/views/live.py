"""Live data, never versioned: channels (viewers read them, admins change them), the Draft
backups that "Edit this version" left behind, API keys and the audit log (admins). Every
list pages with the API's page tokens."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from console.errors import ConsoleError
from console.web import ADMIN, EDITOR, PAGE_SIZE, VIEWER, call, form, render, session

CHANNEL_TYPES = {"web-widget": cpb.CHANNEL_TYPE_WEB_WIDGET, "whatsapp": cpb.CHANNEL_TYPE_WHATSAPP,
                 "instagram": cpb.CHANNEL_TYPE_INSTAGRAM, "api": cpb.CHANNEL_TYPE_API}
TARGETS = {"agent": pb.ENTITY_KIND_AGENT, "squad": pb.ENTITY_KIND_SQUAD}
ROLES = {"viewer": cpb.ROLE_VIEWER, "editor": cpb.ROLE_EDITOR,
         "publisher": cpb.ROLE_PUBLISHER, "admin": cpb.ROLE_ADMIN}


async def _page(request: Request, method: str, message_type: type, role: int) -> object:
    ws = session(request, role).workspace
    return await call(request, method, message_type(
        workspace_id=ws, page_size=PAGE_SIZE, page_token=request.query_params.get("page", "")),
        role)


async def channels(request: Request, error: ConsoleError | None = None) -> Response:
    page = await _page(request, "ListChannels", cpb.ListChannelsRequest, VIEWER)
    return render(request, "channels.html", 422 if error else 200, page=page,
                  types=CHANNEL_TYPES, error=error,
                  type_names={v: k for k, v in CHANNEL_TYPES.items()})


async def create_channel(request: Request) -> Response:
    ws = session(request, ADMIN).workspace
    data = await form(request)
    try:
        await call(request, "CreateChannel", cpb.CreateChannelRequest(
            workspace_id=ws, channel=cpb.Channel(
                channel_id=data.get("channel_id", "").strip(),
                display_name=data.get("display_name", ""),
                type=CHANNEL_TYPES.get(data.get("type", ""), cpb.CHANNEL_TYPE_UNSPECIFIED),
                target_kind=TARGETS.get(data.get("target_kind", ""), pb.ENTITY_KIND_UNSPECIFIED),
                target_id=data.get("target_id", "").strip())), ADMIN)
    except ConsoleError as exc:
        return await channels(request, exc)
    return RedirectResponse("/channels", status_code=303)


async def delete_channel(request: Request) -> Response:
    ws = session(request, ADMIN).workspace
    data = await form(request)
    await call(request, "DeleteChannel", cpb.DeleteChannelRequest(
        workspace_id=ws, channel_id=request.path_params["channel_id"],
        etag=data.get("etag", "")), ADMIN)
    return RedirectResponse("/channels", status_code=303)


async def backups(request: Request) -> Response:
    page = await _page(request, "ListDraftBackups", cpb.ListDraftBackupsRequest, VIEWER)
    ws = session(request).workspace
    draft = (await call(request, "GetDraft", cpb.GetDraftRequest(workspace_id=ws))).draft
    return render(request, "backups.html", page=page, draft=draft,
                  restored=session(request).flash.pop("backup_restored", None))


async def restore_backup(request: Request) -> Response:
    ws = session(request, EDITOR).workspace
    data = await form(request)
    done = await call(request, "RestoreDraftBackup", cpb.RestoreDraftBackupRequest(
        workspace_id=ws, backup_id=request.path_params["backup_id"],
        draft_revision=int(data.get("draft_revision", "0") or 0)), EDITOR)
    session(request).flash["backup_restored"] = done
    return RedirectResponse("/backups", status_code=303)


async def keys(request: Request, error: ConsoleError | None = None) -> Response:
    page = await _page(request, "ListApiKeys", cpb.ListApiKeysRequest, ADMIN)
    created = session(request, ADMIN).flash.pop("created_key", None)
    return render(request, "keys.html", 422 if error else 200, page=page, roles=ROLES,
                  created=created, error=error)


async def create_key(request: Request) -> Response:
    ws = session(request, ADMIN).workspace
    data = await form(request)
    try:
        made = await call(request, "CreateApiKey", cpb.CreateApiKeyRequest(
            workspace_id=ws, role=ROLES.get(data.get("role", ""), cpb.ROLE_UNSPECIFIED),
            display_name=data.get("display_name", "")), ADMIN)
    except ConsoleError as exc:
        return await keys(request, error=exc)
    session(request).flash["created_key"] = made
    return RedirectResponse("/keys", status_code=303)


async def revoke_key(request: Request) -> Response:
    ws = session(request, ADMIN).workspace
    await call(request, "RevokeApiKey", cpb.RevokeApiKeyRequest(
        workspace_id=ws, key_id=request.path_params["key_id"]), ADMIN)
    return RedirectResponse("/keys", status_code=303)


async def audit(request: Request) -> Response:
    page = await _page(request, "ListAuditEvents", cpb.ListAuditEventsRequest, ADMIN)
    return render(request, "audit.html", page=page)


routes = [Route("/channels", channels), Route("/channels", create_channel, methods=["POST"]),
          Route("/channels/{channel_id}/delete", delete_channel, methods=["POST"]),
          Route("/backups", backups),
          Route("/backups/{backup_id}/restore", restore_backup, methods=["POST"]),
          Route("/keys", keys), Route("/keys", create_key, methods=["POST"]),
          Route("/keys/{key_id}/revoke", revoke_key, methods=["POST"]),
          Route("/audit", audit)]
