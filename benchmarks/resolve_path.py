"""In-process cost of one ResolveChannel through the runtime's call pipeline (key check,
servicer, resolution, metrics), without the network: the part of a request that is the
runtime's own. Prints microseconds per call for a context seen before (the memo answers)
and for a new context every call (the conditions are evaluated), to show what h2load's
repeated request does not. Usage: .venv/bin/python -m benchmarks.resolve_path
"""

from __future__ import annotations

import asyncio
import hashlib
import statistics
import time
from typing import Any

from agentconfig.grpc_server import _Registrations
from agentconfig.interceptors import CallPipeline
from agentconfig.resolution.snapshot import build
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from runtime_service.api.authz import RuntimeAuthInterceptor
from runtime_service.api.servicer import RuntimeServicer
from runtime_service.domain.access import KeyInfo
from runtime_service.service.conversations import Conversations
from runtime_service.service.keys import KeyCache
from runtime_service.service.ports import ChannelBinding
from runtime_service.service.store import Store
from tests.harness import workspace
from tests.unit.test_runtime_resolve import snapshot

CALLS = 20_000
ROUNDS = 5


class _Loader:
    def __init__(self) -> None:
        self.store = Store()
        self.conversations = Conversations(60)
        state = self.store.state("bench")
        state.swap(build(snapshot(workspace.entities())))
        state.channels = {"web": ChannelBinding("web", "web_widget", "squad", "front-desk")}


class _Keys:
    async def key(self, key_id: str) -> KeyInfo:
        return KeyInfo(key_id, "bench", "channel", hashlib.sha256(b"secret").hexdigest())


class _Context:
    def invocation_metadata(self) -> Any:
        return (("authorization", "Bearer agc_abc_secret"),)

    def peer(self) -> str:
        return "ipv4:127.0.0.1:1"

    def set_trailing_metadata(self, metadata: Any) -> None:
        return None


async def main() -> None:
    servicer = RuntimeServicer(_Loader(), None, None)  # type: ignore[arg-type]
    captured = _Registrations()
    rgrpc.add_RuntimeServiceServicer_to_server(servicer, captured)  # type: ignore[arg-type]
    pipeline = CallPipeline((RuntimeAuthInterceptor(KeyCache(_Keys())),))  # type: ignore[arg-type]
    handler = pipeline.wrap_service("agentconfig.v1.RuntimeService",
                                    captured.services["agentconfig.v1.RuntimeService"])
    call = handler["ResolveChannel"]
    context = _Context()

    async def per_call(messages: list[str]) -> float:
        bodies = [call.request_deserializer(rpb.ResolveChannelRequest(
            workspace_id="bench", channel_id="web", context=rpb.ConversationContext(
                tags=["vip"], locale="pt-BR", message=m)).SerializeToString())
            for m in messages]
        started = time.perf_counter()
        for body in bodies:
            call.response_serializer(await call.unary_unary(body, context))
        return (time.perf_counter() - started) / len(bodies) * 1e6

    await per_call(["warm"] * 100)
    seen, new = [], []
    for n in range(ROUNDS):  # alternating, so a disturbance of the machine hits both
        seen.append(await per_call(["hello"] * CALLS))
        new.append(await per_call([f"message {n}-{i}" for i in range(CALLS)]))
    print(f"ResolveChannel in-process, {ROUNDS} alternating rounds of {CALLS} calls "
          "(deserialize, key check, resolve, metrics, serialize); median [min-max]")
    for label, runs in (("context seen before (memo)", seen),
                        ("new context every call (conditions)", new)):
        print(f"  {label:38}{statistics.median(runs):6.1f} us/call "
              f"[{min(runs):.1f}-{max(runs):.1f}]")
    ratios = [b / a for a, b in zip(seen, new, strict=True)]
    print(f"  new ÷ seen: {statistics.median(ratios):.2f} [{min(ratios):.2f}-{max(ratios):.2f}]")


if __name__ == "__main__":
    asyncio.run(main())
