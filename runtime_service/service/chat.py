"""The internal chat: a builder talks to the Draft (or any stored version) of an agent or
squad. It reads through the config service (never the production store), so a Draft can
only ever reach a builder, never a channel."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

from agentconfig.errors import ResourceExhausted, invalid
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.domain.context import context_dict
from runtime_service.domain.resolve import resolve_target
from runtime_service.domain.snapshot import ServingSnapshot, build
from runtime_service.service.ports import ConfigSource, Recorder, Responder, Turn

MAX_CHAT_MESSAGE = 8_000


@dataclass(frozen=True)
class ChatTurn:
    workspace_id: str
    target_kind: str
    target_id: str
    draft: bool
    version: int
    message: str
    context: rpb.ConversationContext
    conversation_id: str


def check(turn: ChatTurn) -> None:
    if not turn.workspace_id:
        raise invalid("workspace_id", "is required", "REQUIRED")
    if turn.target_kind not in ("agent", "squad"):
        raise invalid("target_kind", "must be ENTITY_KIND_AGENT or ENTITY_KIND_SQUAD",
                      "BAD_TARGET")
    if not turn.target_id:
        raise invalid("target_id", "is required", "REQUIRED")
    if not turn.draft and turn.version <= 0:
        raise invalid("version", "must be a version number for CHAT_SOURCE_VERSION",
                      "BAD_VERSION")
    if not turn.message.strip():
        raise invalid("message", "is required", "REQUIRED")
    if len(turn.message) > MAX_CHAT_MESSAGE:
        raise ResourceExhausted(f"message: longer than {MAX_CHAT_MESSAGE} characters",
                                reason="MESSAGE_TOO_LONG")


class ChatService:
    def __init__(self, config: ConfigSource, responder: Responder, recorder: Recorder,
                 cached_versions: int = 32) -> None:
        self._config = config
        self._responder = responder
        self._recorder = recorder
        self._versions: OrderedDict[tuple[str, int], ServingSnapshot] = OrderedDict()
        self._cached = cached_versions

    async def _snapshot(self, turn: ChatTurn) -> ServingSnapshot:
        if turn.draft:
            return build(await self._config.draft(turn.workspace_id))
        key = (turn.workspace_id, turn.version)
        if key not in self._versions:  # versions are immutable: safe to keep
            self._versions[key] = build(await self._config.version(*key))
            if len(self._versions) > self._cached:
                self._versions.popitem(last=False)
        return self._versions[key]

    async def turn(self, turn: ChatTurn) -> rpb.ChatResponse:
        check(turn)
        snapshot = await self._snapshot(turn)
        context = context_dict(turn.context, channel_type=turn.context.channel_type)
        if not context["message"]:
            context["message"] = turn.message
        agent, squad = resolve_target(snapshot, turn.target_kind, turn.target_id, context)
        reply = await self._responder.reply(agent, turn.message, turn.context)
        conversation = turn.conversation_id or uuid.uuid4().hex
        self._recorder.record(Turn(conversation, turn.workspace_id, "", "chat", agent.agent_id,
                                   snapshot.version, snapshot.content_hash,
                                   snapshot.draft_revision, datetime.now(UTC)))
        trace = rpb.ChatTrace(
            answering_agent_id=agent.agent_id, squad=squad,
            effective_instructions=agent.effective_instructions,
            matched_conditional_prompt_ids=agent.matched_conditional_prompt_ids,
            tool_ids=[t.id for t in agent.tools], mcp_server_ids=[m.id for m in agent.mcp_servers],
            served_from=snapshot.served_from)
        return rpb.ChatResponse(reply=reply, trace=trace, conversation_id=conversation)
