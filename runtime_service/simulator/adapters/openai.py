"""The model behind any OpenAI-compatible chat-completions endpoint, with tool calls the
standard way: the effective instructions are the system message, the conversation's
history and this turn's tool exchanges follow, the offered tools are functions, and the
answer's ``tool_calls`` become the move's calls (their ``arguments`` JSON text parsed;
text that is not JSON stays text, which the simulator reports as a schema violation).

Function names must match ^[A-Za-z0-9_-]{1,64}$, so an MCP tool "<server>/<tool>" is shown
as "<server>__<tool>" (other characters become "_") and mapped back."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

import httpx

from agentconfig.errors import Unavailable
from runtime_service.simulator.ports import (
    Message,
    ModelCall,
    ModelRequest,
    Move,
    OfferedTool,
    Responder,
)


class FunctionNames:
    """Offered tool keys <-> function names, unique within one request."""

    def __init__(self, tools: Sequence[OfferedTool]) -> None:
        self._by_key: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        # HTTP tools first: they keep the name their definition gives the model
        for tool in sorted(tools, key=lambda t: bool(t.mcp_server_id)):
            wanted = tool.key.replace("/", "__") if tool.mcp_server_id else tool.name
            base = re.sub(r"[^A-Za-z0-9_-]", "_", wanted or tool.key)[:64] or "tool"
            name, n = base, 1
            while name in self._by_name:
                n += 1
                name = f"{base[:60]}_{n}"
            self._by_key[tool.key], self._by_name[name] = name, tool.key

    def function(self, key: str) -> str:
        return self._by_key.get(key, key)

    def key(self, function: str) -> str:
        return self._by_name.get(function, function)


def _arguments(raw: Any) -> Any:
    if raw is None or raw == "":
        return {}
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _message(m: Message, names: FunctionNames) -> dict[str, Any]:
    if m.role == "tool":
        return {"role": "tool", "tool_call_id": m.call_id, "content": m.content}
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.calls:
        out["content"] = m.content or None
        out["tool_calls"] = [{"id": c.call_id, "type": "function", "function": {
            "name": names.function(c.tool), "arguments": json.dumps(c.arguments, default=str)}}
            for c in m.calls]
    return out


class OpenAICompatibleResponder(Responder):
    def __init__(self, base_url: str, api_key: str = "", model: str = "",
                 timeout: float = 30.0, transport: httpx.AsyncBaseTransport | None = None,
                 ) -> None:
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers,
                                         timeout=timeout, transport=transport)
        self._model = model

    def body(self, request: ModelRequest, names: FunctionNames) -> dict[str, Any]:
        agent = request.agent
        body: dict[str, Any] = {
            "model": self._model or agent.agent.model,
            "messages": [{"role": "system", "content": agent.effective_instructions},
                         *(_message(m, names) for m in request.messages)],
            "temperature": agent.agent.temperature}
        if request.tools:
            body["tools"] = [{"type": "function", "function": {
                "name": names.function(t.key), "description": t.description,
                "parameters": t.input_schema or {"type": "object"}}} for t in request.tools]
        return body

    async def move(self, request: ModelRequest) -> AsyncIterator[str | Move]:
        names = FunctionNames(request.tools)
        try:
            response = await self._client.post("/chat/completions",
                                               json=self.body(request, names))
            response.raise_for_status()
            choice = response.json()["choices"][0]["message"]
            calls = tuple(ModelCall(str(c.get("id") or ""),
                                    names.key(str(c["function"]["name"])),
                                    _arguments(c["function"].get("arguments")))
                          for c in choice.get("tool_calls") or ())
        except (httpx.HTTPError, KeyError, IndexError, TypeError, ValueError,
                AttributeError) as exc:
            raise Unavailable(f"the model endpoint failed: {exc}",
                              reason="RESPONDER_UNAVAILABLE") from None
        yield Move(reply=str(choice.get("content") or ""), calls=calls)

    async def close(self) -> None:
        await self._client.aclose()
