"""Reply producers for the internal chat.

``DeterministicResponder`` (the default) builds its reply from the resolved configuration
alone, so tests and demos can assert on it. ``OpenAICompatibleResponder`` calls any
OpenAI-compatible chat-completions endpoint with the effective instructions as the system
prompt and the agent's tools as functions."""

from __future__ import annotations

from typing import Any

import httpx
from google.protobuf import json_format

from agentconfig.errors import Unavailable
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.service.ports import Responder


class DeterministicResponder(Responder):
    async def reply(self, agent: rpb.ResolvedAgent, message: str,
                    context: rpb.ConversationContext) -> str:
        name = agent.agent.name or agent.agent_id
        if context.turn == 0 and agent.agent.greeting:
            opening = agent.agent.greeting
        else:
            opening = f"You said: {message}"
        tools = ", ".join(t.id for t in agent.tools) or "none"
        prompts = ", ".join(agent.matched_conditional_prompt_ids) or "none"
        return f"[{name}] {opening} (tools: {tools}; conditional prompts: {prompts})"


class OpenAICompatibleResponder(Responder):
    def __init__(self, base_url: str, api_key: str = "", model: str = "",
                 timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None,
                 ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers,
                                         timeout=timeout, transport=transport)
        self._model = model

    @staticmethod
    def _tools(agent: rpb.ResolvedAgent) -> list[dict[str, Any]]:
        return [{"type": "function", "function": {
            "name": t.tool.name, "description": t.tool.description,
            "parameters": json_format.MessageToDict(t.tool.input_schema)}}
            for t in agent.tools]

    async def reply(self, agent: rpb.ResolvedAgent, message: str,
                    context: rpb.ConversationContext) -> str:
        body: dict[str, Any] = {
            "model": self._model or agent.agent.model,
            "messages": [{"role": "system", "content": agent.effective_instructions},
                         {"role": "user", "content": message}],
            "temperature": agent.agent.temperature}
        if agent.tools:
            body["tools"] = self._tools(agent)
        try:
            response = await self._client.post("/chat/completions", json=body)
            response.raise_for_status()
            choice = response.json()["choices"][0]["message"]
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            raise Unavailable(f"the model endpoint failed: {exc}",
                              reason="RESPONDER_UNAVAILABLE") from None
        if choice.get("content"):
            return str(choice["content"])
        calls = [c["function"]["name"] for c in choice.get("tool_calls") or ()]
        return f"(calls tools: {', '.join(calls)})" if calls else ""
