"""The floor: a bare grpc.aio server that answers ResolveChannel with a prebuilt response
of the same size as the runtime's, doing nothing else. Run by runtime_bench.py and
scaling_bench.py (two of them on one port: the multi-process floor)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import grpc

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc


class Floor(rgrpc.RuntimeServiceServicer):
    def __init__(self, response: rpb.ResolveChannelResponse) -> None:
        self._response = response

    async def ResolveChannel(self, request: rpb.ResolveChannelRequest,
                             context: grpc.aio.ServicerContext[Any, Any],
                             ) -> rpb.ResolveChannelResponse:
        return self._response


async def main(port: int, response: rpb.ResolveChannelResponse) -> None:
    # several floor processes may share the port, as runtime workers do
    server = grpc.aio.server(options=[("grpc.so_reuseport", 1)])
    rgrpc.add_RuntimeServiceServicer_to_server(Floor(response), server)  # type: ignore[abstract]
    server.add_insecure_port(f"127.0.0.1:{port}")
    await server.start()
    await server.wait_for_termination()


if __name__ == "__main__":
    prebuilt = rpb.ResolveChannelResponse()
    prebuilt.ParseFromString(Path(sys.argv[2]).read_bytes())
    asyncio.run(main(int(sys.argv[1]), prebuilt))
