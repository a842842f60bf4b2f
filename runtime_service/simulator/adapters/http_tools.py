"""Real calls to a tool's HTTP endpoint (only for tools the workspace lists in
live_tool_ids, on hosts the egress list allows: see toolbox.py and egress.py).

GET and DELETE send the arguments as query parameters (objects and arrays as JSON text),
the other methods as a JSON body. The tool's timeout_ms bounds the call (the default when
it is 0); redirects are not followed (they could lead past the egress list); a body larger
than max_bytes is refused. The answer is the JSON the endpoint returns, or its text. The
tool's connection_id names credentials the runtime does not hold: none are sent."""

from __future__ import annotations

import json
from typing import Any

import httpx

from agentconfig.v1 import entities_pb2 as pb
from runtime_service.simulator.ports import CallResult, ToolCaller

METHODS = {pb.HTTP_METHOD_GET: "GET", pb.HTTP_METHOD_POST: "POST", pb.HTTP_METHOD_PUT: "PUT",
           pb.HTTP_METHOD_PATCH: "PATCH", pb.HTTP_METHOD_DELETE: "DELETE"}


def query(arguments: dict[str, Any]) -> dict[str, str]:
    def text(value: Any) -> str:
        if isinstance(value, str):
            return value
        return json.dumps(value)  # numbers, booleans (true/false), null, objects, arrays
    return {k: text(v) for k, v in arguments.items()}


class HttpToolCaller(ToolCaller):
    def __init__(self, default_timeout: float = 10.0, max_bytes: int = 256 * 1024,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._default, self._max, self._transport = default_timeout, max_bytes, transport

    async def call(self, tool: pb.Tool, arguments: dict[str, Any]) -> CallResult:
        method = METHODS.get(tool.method, "POST")
        timeout = tool.timeout_ms / 1000 if tool.timeout_ms > 0 else self._default
        send: dict[str, Any] = ({"params": query(arguments)} if method in ("GET", "DELETE")
                                else {"json": arguments})
        try:
            async with httpx.AsyncClient(timeout=timeout, transport=self._transport,
                                         follow_redirects=False) as client, \
                    client.stream(method, tool.endpoint_url, **send) as response:
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > self._max:
                        return CallResult(error=f"the answer is larger than {self._max} bytes")
        except httpx.TimeoutException:
            return CallResult(error=f"no answer within {timeout:g} s")
        except httpx.HTTPError as exc:
            return CallResult(error=f"{type(exc).__name__}: {exc}")
        text = body.decode("utf-8", errors="replace")
        if response.status_code >= 400:
            return CallResult(error=f"HTTP {response.status_code}: {text[:500]}")
        try:
            return CallResult(value=json.loads(text))
        except ValueError:
            return CallResult(value=text)
