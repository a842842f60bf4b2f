"""Conversations (live data): ListConversations and GetConversation, read from the
runtime's database (or its memory when it has none). Viewer role or above; never a
channel key (domain/access.py)."""

from __future__ import annotations

from agentconfig.errors import Unavailable, invalid
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.api.rpc_base import Ctx, RpcBase, check_conversation_id, required
from runtime_service.domain.access import check_workspace
from runtime_service.service.conversation_reads import (
    ListRequest,
    get_conversation,
    list_conversations,
)
from runtime_service.service.ports import ConversationLog

MAX_FILTER_ID = 64
MAX_VERSION = 2**31 - 1
SOURCES = {rpb.CONVERSATION_SOURCE_UNSPECIFIED: "", rpb.CONVERSATION_SOURCE_CHANNEL: "channel",
           rpb.CONVERSATION_SOURCE_CHAT: "chat"}


def _filter_id(value: str, field: str) -> str:
    if len(value) > MAX_FILTER_ID:
        raise invalid(field, f"is longer than {MAX_FILTER_ID} characters", "TOO_LONG")
    if not value.isprintable():
        raise invalid(field, "must be printable text", "BAD_ID")
    return value


def _list_request(request: rpb.ListConversationsRequest) -> ListRequest:
    if request.version < 0:
        raise invalid("version", "must not be negative", "BAD_VERSION")
    if request.source not in SOURCES:
        raise invalid("source", "is not a ConversationSource", "BAD_ENUM")
    return ListRequest(request.workspace_id, _filter_id(request.channel_id, "channel_id"),
                       _filter_id(request.agent_id, "agent_id"), request.version,
                       SOURCES[request.source], request.page_size, request.page_token)


class ConversationRpcs(RpcBase):
    def _log(self) -> ConversationLog:
        if self._conversation_log is None:
            raise Unavailable("this replica keeps no conversations", reason="NO_CONVERSATIONS")
        return self._conversation_log

    async def ListConversations(self, request: rpb.ListConversationsRequest, context: Ctx,
                                ) -> rpb.ListConversationsResponse:
        required(request.workspace_id, "workspace_id")
        query = _list_request(request)
        check_workspace(request.workspace_id)
        found, next_token = await list_conversations(self._log(), query)
        return rpb.ListConversationsResponse(conversations=found, next_page_token=next_token)

    async def GetConversation(self, request: rpb.GetConversationRequest, context: Ctx,
                              ) -> rpb.GetConversationResponse:
        required(request.workspace_id, "workspace_id")
        required(request.conversation_id, "conversation_id")
        conversation_id = check_conversation_id(request.conversation_id)
        check_workspace(request.workspace_id)
        found = await get_conversation(self._log(), request.workspace_id, conversation_id)
        return rpb.GetConversationResponse(conversation=found)
