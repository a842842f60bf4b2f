"""A load client for scaling_bench.py: sends ResolveChannel as prebuilt bytes (no message
building while measuring), either the same request every call or a new context every
call (the message differs, as a gateway's does). h2load cannot vary the body per request.

Protocol with the parent: prints "ready" once its bodies are built and its channel is
connected, waits for a line on stdin, sends ``calls`` requests ``concurrency`` at a time,
prints the number answered OK. Usage:
    python -m benchmarks.load_client ADDRESS same|new CALLS CONCURRENCY KEY SEED
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import grpc

from agentconfig.v1 import runtime_service_pb2 as rpb

METHOD = "/agentconfig.v1.RuntimeService/ResolveChannel"


def bodies(mode: str, calls: int, seed: str) -> list[bytes]:
    def body(message: str) -> bytes:
        return rpb.ResolveChannelRequest(
            workspace_id="bench", channel_id="web", context=rpb.ConversationContext(
                tags=["vip"], locale="pt-BR", message=message)).SerializeToString()
    if mode == "same":
        return [body("hello")] * calls
    return [body(f"hello {seed}-{i}") for i in range(calls)]


async def run(address: str, mode: str, calls: int, concurrency: int, key: str,
              seed: str) -> int:
    queue = bodies(mode, calls, seed)
    metadata = (("authorization", f"Bearer {key}"),)
    async with grpc.aio.insecure_channel(address) as channel:
        call: Any = channel.unary_unary(METHOD)  # bytes in, bytes out
        await call(queue[0], metadata=metadata, timeout=10)
        print("ready", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        answered = 0

        async def worker(index: int) -> None:
            nonlocal answered
            for body in queue[index::concurrency]:
                try:
                    await call(body, metadata=metadata, timeout=30)
                    answered += 1
                except grpc.aio.AioRpcError:
                    pass

        await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return answered


if __name__ == "__main__":
    address, mode, calls, concurrency, key, seed = sys.argv[1:7]
    print(asyncio.run(run(address, mode, int(calls), int(concurrency), key, seed)), flush=True)
