"""Live data: API keys, the audit log and channels (never versioned)."""

from __future__ import annotations

from agentconfig.v1 import config_service_pb2 as cpb
from config_service.api import convert as cv
from config_service.api.rpc_base import Ctx, RpcBase, expire_time_of
from config_service.domain.auth import current_principal
from config_service.service import (
    audit,
    channels,
    keys,
)


class LiveRpcs(RpcBase):
    # access --------------------------------------------------------------------------------
    async def CreateApiKey(self, request: cpb.CreateApiKeyRequest, context: Ctx,
                           ) -> cpb.CreateApiKeyResponse:
        expire = expire_time_of(request)
        record, secret = await keys.create_key(
            self._uowf, request.workspace_id, cv.role(request.role), request.display_name,
            expire, list(request.channel_ids))
        return cpb.CreateApiKeyResponse(api_key=cv.api_key(record), secret=secret)

    async def ListApiKeys(self, request: cpb.ListApiKeysRequest, context: Ctx,
                          ) -> cpb.ListApiKeysResponse:
        rows, token = await keys.list_keys(self._uowf, request.workspace_id,
                                           request.page_size, request.page_token)
        return cpb.ListApiKeysResponse(api_keys=[cv.api_key(k) for k in rows],
                                       next_page_token=token)

    async def RevokeApiKey(self, request: cpb.RevokeApiKeyRequest, context: Ctx,
                           ) -> cpb.RevokeApiKeyResponse:
        record = await keys.revoke_key(self._uowf, self._keys, request.workspace_id,
                                       request.key_id)
        return cpb.RevokeApiKeyResponse(api_key=cv.api_key(record))

    async def IntrospectApiKey(self, request: cpb.IntrospectApiKeyRequest, context: Ctx,
                               ) -> cpb.IntrospectApiKeyResponse:
        record = await keys.introspect(self._uowf, request.key_id)
        return cpb.IntrospectApiKeyResponse(api_key=cv.api_key(record),
                                            secret_sha256=record.secret_sha256)

    async def GetCaller(self, request: cpb.GetCallerRequest, context: Ctx,
                        ) -> cpb.GetCallerResponse:
        return cv.caller(current_principal.get())

    async def ListAuditEvents(self, request: cpb.ListAuditEventsRequest, context: Ctx,
                              ) -> cpb.ListAuditEventsResponse:
        rows, token = await audit.list_events(self._uowf, request.workspace_id,
                                              request.page_size, request.page_token)
        return cpb.ListAuditEventsResponse(events=[cv.audit_event(e) for e in rows],
                                           next_page_token=token)

    # channels (live) ---------------------------------------------------------------------
    async def CreateChannel(self, request: cpb.CreateChannelRequest, context: Ctx,
                            ) -> cpb.CreateChannelResponse:
        created = await channels.create_channel(self._uowf, self._channels, request.workspace_id,
                                                cv.channel_input(request.channel))
        return cpb.CreateChannelResponse(channel=cv.channel(created))

    async def GetChannel(self, request: cpb.GetChannelRequest, context: Ctx,
                         ) -> cpb.GetChannelResponse:
        found = await channels.get_channel(self._uowf, request.workspace_id, request.channel_id)
        return cpb.GetChannelResponse(channel=cv.channel(found))

    async def ListChannels(self, request: cpb.ListChannelsRequest, context: Ctx,
                           ) -> cpb.ListChannelsResponse:
        rows, token = await channels.list_channels(self._uowf, request.workspace_id,
                                                   request.page_size, request.page_token)
        return cpb.ListChannelsResponse(channels=[cv.channel(c) for c in rows],
                                        next_page_token=token)

    async def UpdateChannel(self, request: cpb.UpdateChannelRequest, context: Ctx,
                            ) -> cpb.UpdateChannelResponse:
        updated = await channels.update_channel(self._uowf, self._channels, request.workspace_id,
                                                cv.channel_input(request.channel),
                                                request.channel.etag)
        return cpb.UpdateChannelResponse(channel=cv.channel(updated))

    async def DeleteChannel(self, request: cpb.DeleteChannelRequest, context: Ctx,
                            ) -> cpb.DeleteChannelResponse:
        await channels.delete_channel(self._uowf, self._channels, request.workspace_id,
                                      request.channel_id, request.etag)
        return cpb.DeleteChannelResponse()

