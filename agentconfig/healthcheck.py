"""``python -m agentconfig.healthcheck ADDRESS [SERVICE] [--tls-ca FILE ...]``: exit 0 when
the server answers the standard gRPC health check with SERVING. Used by the compose health
checks and, with TLS on, by the Kubernetes exec probes (the kubelet's own gRPC probe speaks
plaintext only), so the images need no extra probe binary."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def _read(path: str) -> bytes | None:
    return Path(path).read_bytes() if path else None


def _channel(address: str, tls: argparse.Namespace | None) -> grpc.Channel:
    if tls is None or not tls.tls_ca:
        return grpc.insecure_channel(address)
    credentials = grpc.ssl_channel_credentials(_read(tls.tls_ca), _read(tls.tls_key),
                                               _read(tls.tls_cert))
    options = [("grpc.ssl_target_name_override", tls.server_name)] if tls.server_name else []
    return grpc.secure_channel(address, credentials, options=options)


def check(address: str, service: str = "", timeout: float = 2.0,
          tls: argparse.Namespace | None = None) -> bool:
    with _channel(address, tls) as channel:
        stub: Any = health_pb2_grpc.HealthStub(channel)
        try:
            response = stub.Check(
                health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        except grpc.RpcError:
            return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(prog="python -m agentconfig.healthcheck",
                                  description="Exit 0 when ADDRESS reports SERVING.")
    out.add_argument("address", help="host:port")
    out.add_argument("service", nargs="?", default="",
                     help="a service name (default: the whole server)")
    out.add_argument("--tls-ca", default="", metavar="FILE",
                     help="CA certificate (PEM) to verify the server; turns TLS on")
    out.add_argument("--tls-cert", default="", metavar="FILE",
                     help="client certificate (PEM), when the server asks for one (mTLS)")
    out.add_argument("--tls-key", default="", metavar="FILE", help="its private key (PEM)")
    out.add_argument("--server-name", default="", metavar="NAME",
                     help="the name to check in the server certificate")
    out.add_argument("--timeout", type=float, default=2.0, metavar="SECONDS")
    return out


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    raise SystemExit(0 if check(args.address, args.service, args.timeout, args) else 1)


if __name__ == "__main__":
    main()
