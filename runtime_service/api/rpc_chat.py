"""The internal chat: the only RPCs that can reach a Draft (through the config service,
never the production store). Chat answers a turn; StreamChat answers the same turn as the
events happen, its last event carrying the answer Chat would give."""

from __future__ import annotations

from collections.abc import AsyncIterator

from agentconfig.errors import invalid
from agentconfig.kinds import kind_by_enum
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.api.rpc_base import Ctx, RpcBase, check_conversation_id
from runtime_service.domain.access import check_workspace
from runtime_service.service.chat import ChatTurn


def chat_turn(request: rpb.ChatRequest) -> ChatTurn:
    kind = kind_by_enum(request.target_kind)
    if request.source not in (rpb.CHAT_SOURCE_DRAFT, rpb.CHAT_SOURCE_VERSION):
        raise invalid("source", "must be CHAT_SOURCE_DRAFT or CHAT_SOURCE_VERSION",
                      "REQUIRED")
    check_workspace(request.workspace_id)
    return ChatTurn(
        request.workspace_id, kind.name if kind else "", request.target_id,
        request.source == rpb.CHAT_SOURCE_DRAFT, request.version, request.message,
        request.context, check_conversation_id(request.conversation_id),
        mocks=tuple(request.mocks), responder=request.responder,
        script=request.script if request.HasField("script") else None)


class ChatRpcs(RpcBase):
    async def Chat(self, request: rpb.ChatRequest, context: Ctx) -> rpb.ChatResponse:
        return await self._chat.turn(chat_turn(request))

    async def StreamChat(self, request: rpb.StreamChatRequest, context: Ctx,
                         ) -> AsyncIterator[rpb.StreamChatResponse]:
        async for event in self._chat.stream(chat_turn(request.chat)):
            yield event
