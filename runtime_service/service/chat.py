"""The internal chat: a builder talks to the Draft (or any stored version) of an agent or
squad. It reads through the config service (never the production store), so a Draft can
only ever reach a builder, never a channel.

Each turn drives the simulator (runtime_service/simulator): the conversation's session
gives the history and a squad's current speaker, resolution picks the answering agent
(hand-off rules apply from that speaker), the agent's tools and MCP tools are offered, and
the turn loop runs the model and its tool calls. ``stream`` yields the events as they
happen, ending with the whole answer; ``turn`` returns that answer."""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import UTC, datetime

from agentconfig.errors import Unavailable
from agentconfig.resolution.context import context_dict
from agentconfig.resolution.resolve import resolve_target
from agentconfig.resolution.snapshot import ServingSnapshot, build
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.service.chat_turn import ChatTurn, check, turn_context
from runtime_service.service.ports import ConfigSource, Recorder, Turn
from runtime_service.simulator.adapters.responders import ScriptedResponder
from runtime_service.simulator.egress import LOOPBACK, Egress
from runtime_service.simulator.loop import LoopDone, run_turn
from runtime_service.simulator.offer import offer
from runtime_service.simulator.ports import (
    McpClient,
    Message,
    ModelRequest,
    NoNetwork,
    Responder,
    ToolCaller,
)
from runtime_service.simulator.requests import check_mock_targets, usable_tools
from runtime_service.simulator.sessions import ChatSessions
from runtime_service.simulator.toolbox import Toolbox
from runtime_service.simulator.trace import chat_trace, conversation_state, handoff_event

__all__ = ["ChatService", "ChatTurn"]

class ChatService:
    def __init__(self, config: ConfigSource, responder: Responder, recorder: Recorder,
                 cached_versions: int = 32, *, tools: ToolCaller | None = None,
                 mcp: McpClient | None = None, egress: Egress | None = None,
                 sessions: ChatSessions | None = None, history_chars: int = 16_000) -> None:
        self._config, self._responder, self._recorder = config, responder, recorder
        self._versions: OrderedDict[tuple[str, int], ServingSnapshot] = OrderedDict()
        # the last Draft built per workspace, reused while its revision is the current one
        self._drafts: OrderedDict[str, ServingSnapshot] = OrderedDict()
        self._cached = cached_versions
        self._tools, self._mcp = tools or NoNetwork(), mcp or NoNetwork()
        self._egress = egress or Egress.parse(LOOPBACK)
        self._sessions = sessions or ChatSessions()
        self._history_chars = history_chars

    async def _draft(self, workspace_id: str) -> ServingSnapshot:
        """The Draft, transferred and built only when its revision moved since the last
        turn on this workspace (every Draft change bumps it)."""
        kept = self._drafts.get(workspace_id)
        found = await self._config.draft(workspace_id, kept.draft_revision if kept else 0)
        if found is not None:
            kept = self._drafts[workspace_id] = build(found)
        if kept is None:
            raise Unavailable("config service: answered 'unchanged' for a Draft this "
                              "runtime does not hold", reason="CONFIG_SERVICE_UNAVAILABLE")
        self._drafts.move_to_end(workspace_id)
        if len(self._drafts) > self._cached:
            self._drafts.popitem(last=False)
        return kept

    async def _snapshot(self, turn: ChatTurn) -> ServingSnapshot:
        if turn.draft:
            return await self._draft(turn.workspace_id)
        key = (turn.workspace_id, turn.version)
        if key not in self._versions:  # versions are immutable: safe to keep
            self._versions[key] = build(await self._config.version(*key))
            if len(self._versions) > self._cached:
                self._versions.popitem(last=False)
        return self._versions[key]

    async def _live(self, workspace_id: str) -> frozenset[str]:
        return (await self._config.workspace_settings(workspace_id)).live_tool_ids

    def _model(self, turn: ChatTurn) -> Responder:
        if turn.responder == rpb.RESPONDER_KIND_SCRIPTED and turn.script is not None:
            return ScriptedResponder(turn.script)
        return self._responder

    async def turn(self, turn: ChatTurn) -> rpb.ChatResponse:
        answer = rpb.ChatResponse()
        async with aclosing(self.stream(turn)) as events:  # closed even when cancelled: the
            async for event in events:  # session's lock is let go
                if event.HasField("done"):
                    answer = event.done
        return answer

    async def stream(self, turn: ChatTurn) -> AsyncGenerator[rpb.StreamChatResponse, None]:
        check(turn)
        conversation_id = turn.conversation_id or uuid.uuid4().hex
        session = self._sessions.open(turn.workspace_id, conversation_id, turn.target_kind,
                                      turn.target_id)
        async with session.lock:
            snapshot = await self._snapshot(turn)
            context = turn_context(turn, session)
            previous = session.current_agent_id
            agent, squad = resolve_target(snapshot, turn.target_kind, turn.target_id,
                                          context_dict(context), previous)
            check_mock_targets(turn.mocks, turn.target_kind, turn.target_id,
                               *usable_tools(snapshot, turn.target_kind, turn.target_id))
            handoff = handoff_event(snapshot, squad, previous)
            if handoff is not None:
                yield rpb.StreamChatResponse(handoff=handoff)
            offered = await offer(agent, self._mcp, self._egress, (m.tool for m in turn.mocks))
            for problem in offered.problems:
                yield rpb.StreamChatResponse(tool_call_finished=problem)
            toolbox = Toolbox(offered.tools, turn.mocks, lambda: self._live(turn.workspace_id),
                              self._tools, self._mcp, self._egress)
            request = ModelRequest(agent, (*session.history(self._history_chars),
                                           Message("user", turn.message)),
                                   offered.tools, context, 0)
            done = LoopDone("", (), 0)
            async for event in run_turn(self._model(turn), toolbox, request):
                if isinstance(event, LoopDone):
                    done = event
                else:
                    yield event
            session.answered(turn.message, done.reply, agent.agent_id)
            at = datetime.now(UTC)
            calls = (*offered.problems, *done.invocations)
            self._recorder.record(Turn(
                conversation_id, turn.workspace_id, "", "chat", agent.agent_id,
                snapshot.version, snapshot.content_hash, snapshot.draft_revision, at,
                user_message=turn.message, reply=done.reply,
                handoff_rule_index=squad.handoff_rule_index if squad else -1,
                matched_conditional_prompt_ids=tuple(agent.matched_conditional_prompt_ids),
                tool_calls=calls, target_kind=turn.target_kind, target_id=turn.target_id,
                current_agent_id=agent.agent_id, context=context))
            yield rpb.StreamChatResponse(done=rpb.ChatResponse(
                reply=done.reply, conversation_id=conversation_id,
                trace=chat_trace(snapshot, agent, squad, calls, offered.mcp_tools, previous),
                conversation=conversation_state(conversation_id, snapshot, agent.agent_id,
                                                session.turns, at)))
