"""Responders with no model behind them.

``DeterministicResponder`` (the runtime's default) builds its reply from the resolved
configuration alone, so tests and demos can assert on it; it never calls tools.
``ScriptedResponder`` plays the moves a request or a test case scripts for one turn, so
routing, hand-offs, prompts, schemas and mocks are tested without any model."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.simulator.ports import ModelRequest, Move, Responder
from runtime_service.simulator.values import from_call


def pieces(text: str) -> list[str]:
    """The reply as it would stream: word by word (their concatenation is the text)."""
    return re.findall(r"\S+\s*|\s+", text)


def last_user_message(request: ModelRequest) -> str:
    return next((m.content for m in reversed(request.messages) if m.role == "user"), "")


class DeterministicResponder(Responder):
    @staticmethod
    def reply(agent: rpb.ResolvedAgent, message: str, context: rpb.ConversationContext,
              ) -> str:
        name = agent.agent.name or agent.agent_id
        if context.turn == 0 and agent.agent.greeting:
            opening = agent.agent.greeting
        else:
            opening = f"You said: {message}"
        tools = ", ".join(t.id for t in agent.tools) or "none"
        prompts = ", ".join(agent.matched_conditional_prompt_ids) or "none"
        return f"[{name}] {opening} (tools: {tools}; conditional prompts: {prompts})"

    async def move(self, request: ModelRequest) -> AsyncIterator[str | Move]:
        text = self.reply(request.agent, last_user_message(request), request.context)
        for piece in pieces(text):
            yield piece
        yield Move(reply=text)


class ScriptedResponder(Responder):
    """Move i of the script at step i; past the last move the turn ends with no reply."""

    def __init__(self, script: rpb.ScriptedTurn) -> None:
        self._moves = list(script.moves)

    async def move(self, request: ModelRequest) -> AsyncIterator[str | Move]:
        if request.step >= len(self._moves):
            yield Move()
            return
        scripted = self._moves[request.step]
        calls = tuple(from_call(c) for c in scripted.tool_calls)
        if not calls:
            for piece in pieces(scripted.reply):
                yield piece
        yield Move(reply=scripted.reply, calls=calls)
