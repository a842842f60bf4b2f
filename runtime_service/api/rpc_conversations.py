"""Conversations (live data): ListConversations and GetConversation."""

from __future__ import annotations

from runtime_service.api.rpc_base import RpcBase


class ConversationRpcs(RpcBase):
    pass
