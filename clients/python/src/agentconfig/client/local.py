"""LocalResolver: a workspace's production snapshot kept in the gateway's own process, so
resolving a channel or an agent makes no RPC at all (as feature-flag SDKs evaluate
locally). It answers with the runtime's own code (``agentconfig.resolution``: the same
CEL semantics, the same memo, the same messages), held to one conformance table with it.

First load by GetProductionSnapshot, then WatchProduction from a runtime replica; every
snapshot is verified by its content hash before it is served, and only ever forward (an
older or equal version is ignored). While the runtime is unreachable the last snapshot
keeps answering and the stream is re-opened with capped, jittered backoff; with a
``cache_dir`` a gateway restarted meanwhile starts from its disk copy.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Iterable
from pathlib import Path
from types import TracebackType

import grpc
import grpc.aio

from agentconfig import errors
from agentconfig.client import local_copy
from agentconfig.client.connect import Tls, aconnect
from agentconfig.client.options import DEFAULTS, ClientOptions
from agentconfig.client.rpc_errors import from_rpc
from agentconfig.client.serving import Serving, successor
from agentconfig.conditions import Activation
from agentconfig.resolution.context import context_dict
from agentconfig.resolution.resolve import channel_answer, resolve_agent
from agentconfig.resolution.snapshot import SnapshotCorrupt
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc

log = logging.getLogger("agentconfig.client")
_EMPTY = rpb.ConversationContext()


class LocalResolver:
    def __init__(self, workspace_id: str, target: str = "", *, key: str = "", user: str = "",
                 tls: Tls | None = None, options: ClientOptions = DEFAULTS,
                 channel: grpc.aio.Channel | None = None,
                 cache_dir: str | Path | None = None) -> None:
        """``target``: a runtime replica ("host:port"), or pass an open ``channel``."""
        self.workspace_id = workspace_id
        self._connect: Callable[[], grpc.aio.Channel] = lambda: aconnect(
            target, key=key, user=user, tls=tls, options=options)
        self._channel = channel
        self._own_channel = channel is None
        self._timeout = options.read_timeout_seconds
        self._cache_dir = cache_dir
        self._serving: Serving | None = None
        self._moved = asyncio.Condition()
        self._task: asyncio.Task[None] | None = None

    # the hot path: no I/O, no await ------------------------------------------------------
    def resolve_channel(self, channel_id: str, context: rpb.ConversationContext | None = None,
                        ) -> rpb.ResolveChannelResponse:
        """What ResolveChannel answers for a call without a conversation. The message is
        shared with other calls (a memo): read it, or copy it before changing it."""
        serving = self._current()
        binding = serving.channels.get(channel_id)
        if binding is None:
            raise errors.NotFound(f"channel {channel_id!r} not found",
                                  reason="CHANNEL_NOT_FOUND")
        return channel_answer(serving.snapshot, binding.target_kind, binding.target_id,
                              context or _EMPTY, binding.channel_id, binding.type)

    def resolve_agent(self, agent_id: str, context: rpb.ConversationContext | None = None,
                      ) -> rpb.ResolveAgentResponse:
        """What ResolveAgent answers for a call without a conversation."""
        snapshot = self._current().snapshot
        agent = resolve_agent(snapshot, agent_id,
                              Activation(context_dict(context or _EMPTY), typed=True))
        return rpb.ResolveAgentResponse(agent=agent, served_from=snapshot.served_from)

    @property
    def served_from(self) -> rpb.ServedFrom | None:
        return self._serving.snapshot.served_from if self._serving else None

    @property
    def version(self) -> int:
        return self._serving.snapshot.version if self._serving else 0

    def _current(self) -> Serving:
        serving = self._serving
        if serving is None:
            raise errors.Unavailable(f"no snapshot of {self.workspace_id!r} yet: call "
                                     "start() first", reason="NOT_STARTED")
        return serving

    # loading ---------------------------------------------------------------------------
    async def start(self) -> LocalResolver:
        """Load Production (or, with the runtime unreachable, the disk copy), then follow
        it. Raises agentconfig.errors (Unavailable when neither source answers)."""
        if self._channel is None:
            self._channel = self._connect()
        stub = rgrpc.RuntimeServiceStub(self._channel)
        try:
            first = await stub.GetProductionSnapshot(rpb.GetProductionSnapshotRequest(
                workspace_id=self.workspace_id), timeout=self._timeout)
            await self._take(first.served_from, first.snapshot, first.channels)
        except (grpc.RpcError, SnapshotCorrupt) as exc:
            if not await self._from_disk():
                if isinstance(exc, grpc.RpcError):
                    raise from_rpc(exc) from None
                raise errors.Unavailable(f"the snapshot of {self.workspace_id!r} the runtime "
                                         f"sent does not verify ({exc}) and there is no disk "
                                         "copy", reason="SNAPSHOT_CORRUPT") from None
            log.warning("runtime unusable (%s): serving v%d of %s from the disk copy",
                        exc, self.version, self.workspace_id)
        self._task = asyncio.create_task(self._follow(stub))
        return self

    async def _from_disk(self) -> bool:
        copy = local_copy.load(self._cache_dir, self.workspace_id) if self._cache_dir else None
        if copy is None:
            return False
        try:
            return await self._take(copy.served_from, copy.snapshot, copy.channels, save=False)
        except SnapshotCorrupt:
            log.error("refusing the disk copy of %s: it does not verify", self.workspace_id)
            return False

    async def _follow(self, stub: rgrpc.RuntimeServiceAsyncStub) -> None:
        backoff = 0.05
        while True:
            try:
                stream = stub.WatchProduction(rpb.WatchProductionRequest(
                    workspace_id=self.workspace_id, include_snapshot=True))
                async for message in stream:
                    await self._take(message.served_from, message.snapshot, message.channels)
                    backoff = 0.05
            except (grpc.RpcError, SnapshotCorrupt) as exc:
                log.info("production stream of %s: %s", self.workspace_id, exc)
            except Exception:  # the stream is re-opened whatever went wrong
                log.exception("production stream of %s failed", self.workspace_id)
            await asyncio.sleep(backoff * random.uniform(0.5, 1.0))
            backoff = min(backoff * 2, 1.0)

    async def _take(self, served: rpb.ServedFrom, snapshot: pb.Snapshot,
                    channels: Iterable[rpb.ChannelBinding], *, save: bool = True) -> bool:
        """Serve a newer verified snapshot, or the same one's new bindings. Raises
        SnapshotCorrupt (and keeps what it served) when the content does not verify."""
        serving = await successor(self._serving, served, snapshot, channels)
        if serving is None:
            return False
        self._serving = serving
        if save and self._cache_dir:
            copy = local_copy.Copy(snapshot=serving.snapshot.proto,
                                   channels=list(serving.channels.values()),
                                   served_from=serving.snapshot.served_from)
            await asyncio.to_thread(local_copy.save, self._cache_dir, self.workspace_id, copy)
        async with self._moved:
            self._moved.notify_all()
        return True

    async def wait_for_version(self, version: int) -> None:
        """Until a version at least ``version`` is served (bound it with asyncio.timeout)."""
        async with self._moved:
            await self._moved.wait_for(lambda: self.version >= version)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._own_channel and self._channel is not None:
            await self._channel.close()

    async def __aenter__(self) -> LocalResolver:
        return await self.start()

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.close()
