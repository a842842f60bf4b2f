"""The probe command (``python -m agentconfig.healthcheck``) against a config service with
mTLS, as the Kubernetes production overlay runs it: with the CA and a client certificate it
reports SERVING; without them, or in plaintext, it fails (exit 1), never a false SERVING."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.certs import make_certs
from tests.harness.servers import RedisServer
from tests.harness.services import start_config_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
SERVICE = "agentconfig.v1.ConfigService"


def _probe(*args: str) -> int:
    return subprocess.run([sys.executable, "-m", "agentconfig.healthcheck", *args],
                          capture_output=True, timeout=30).returncode


async def test_probe_over_mtls(postgres_url: str, redis_server: RedisServer,
                               pg_engine: object, tmp_path: Path) -> None:
    certs = make_certs(tmp_path / "certs")
    config = await start_config_service(
        postgres_url, redis_server.url, tls_cert_file=certs.server_cert,
        tls_key_file=certs.server_key, tls_client_ca_file=certs.ca,
        client_tls=(certs.ca, certs.client_cert, certs.client_key))
    address = f"localhost:{config.server.port}"
    try:
        rows = [
            ((address, SERVICE, "--tls-ca", certs.ca, "--tls-cert", certs.client_cert,
              "--tls-key", certs.client_key), 0),
            ((address, "", "--tls-ca", certs.ca, "--tls-cert", certs.client_cert,
              "--tls-key", certs.client_key), 0),
            ((address, SERVICE, "--tls-ca", certs.ca), 1),  # no client certificate
            ((address, SERVICE), 1),  # plaintext
            ((address, "agentconfig.v1.Nope", "--tls-ca", certs.ca, "--tls-cert",
              certs.client_cert, "--tls-key", certs.client_key), 1),
        ]
        for args, code in rows:
            assert await asyncio.to_thread(_probe, *args) == code, args
    finally:
        await config.stop()
