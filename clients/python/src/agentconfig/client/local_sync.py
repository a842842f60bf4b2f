"""The synchronous flavour of LocalResolver, for gateways without asyncio (Flask, Django,
plain threads): the resolver runs on its own event loop in a daemon thread, and resolving
reads the snapshot it swaps in (one reference: a reader sees one whole version), so calls
from any thread make no RPC and take no lock."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from agentconfig.client.connect import Tls
from agentconfig.client.local import LocalResolver
from agentconfig.client.options import DEFAULTS, ClientOptions
from agentconfig.v1 import runtime_service_pb2 as rpb

T = TypeVar("T")


class SyncLocalResolver:
    def __init__(self, workspace_id: str, target: str, *, key: str = "", user: str = "",
                 tls: Tls | None = None, options: ClientOptions = DEFAULTS,
                 cache_dir: str | Path | None = None) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name=f"agentconfig-local-{workspace_id}")
        self._thread.start()
        self._timeout = options.read_timeout_seconds

        async def make() -> LocalResolver:  # its channel belongs to the thread's loop
            return LocalResolver(workspace_id, target, key=key, user=user, tls=tls,
                                 options=options, cache_dir=cache_dir)
        self._resolver = self._run(make())

    def _run(self, work: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(timeout)

    def start(self) -> SyncLocalResolver:
        self._run(self._resolver.start(), self._timeout * 2 + 5)
        return self

    def resolve_channel(self, channel_id: str, context: rpb.ConversationContext | None = None,
                        ) -> rpb.ResolveChannelResponse:
        return self._resolver.resolve_channel(channel_id, context)

    def resolve_agent(self, agent_id: str, context: rpb.ConversationContext | None = None,
                      ) -> rpb.ResolveAgentResponse:
        return self._resolver.resolve_agent(agent_id, context)

    @property
    def version(self) -> int:
        return self._resolver.version

    @property
    def served_from(self) -> rpb.ServedFrom | None:
        return self._resolver.served_from

    def wait_for_version(self, version: int, timeout: float = 10.0) -> None:
        async def wait() -> None:
            async with asyncio.timeout(timeout):
                await self._resolver.wait_for_version(version)
        self._run(wait())

    def close(self) -> None:
        if self._loop.is_closed():
            return
        async def shutdown() -> None:
            """The resolver, then whatever gRPC still runs on this loop (a call's status
            handler), so no task is left pending when the loop closes."""
            await self._resolver.close()
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

        self._run(shutdown(), 10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    def __enter__(self) -> SyncLocalResolver:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()
