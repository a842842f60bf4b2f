"""``python -m agentconfig.healthcheck ADDRESS [SERVICE]``: exit 0 when the server answers
the standard gRPC health check with SERVING. Used by the compose health checks, so the
images need no extra probe binary."""

from __future__ import annotations

import sys
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def check(address: str, service: str = "", timeout: float = 2.0) -> bool:
    with grpc.insecure_channel(address) as channel:
        stub: Any = health_pb2_grpc.HealthStub(channel)
        try:
            response = stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError:
            return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python -m agentconfig.healthcheck ADDRESS [SERVICE]")
    ok = check(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
