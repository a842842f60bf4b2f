"""TLS on both servers and mTLS from the runtime to the config service, with certificates
made at test time: the runtime loads and serves over TLS; a client without a certificate,
or one that does not trust the CA, gets nothing."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from agentconfig.tls import channel_credentials
from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from tests.harness import workspace
from tests.harness.certs import make_certs
from tests.harness.servers import RedisServer
from tests.harness.services import start_config_service, start_runtime_service

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


async def test_mtls_between_runtime_and_config_and_tls_to_clients(
        postgres_url: str, redis_server: RedisServer, pg_engine: object, tmp_path: Path,
        ws_id: str) -> None:
    certs = make_certs(tmp_path / "certs")
    client = (certs.ca, certs.client_cert, certs.client_key)
    config = await start_config_service(
        postgres_url, redis_server.url, tls_cert_file=certs.server_cert,
        tls_key_file=certs.server_key, tls_client_ca_file=certs.ca, client_tls=client)
    runtime = await start_runtime_service(
        f"localhost:{config.server.port}", redis_server.url, str(tmp_path / "rt"),
        config_tls_ca_file=certs.ca, config_tls_cert_file=certs.client_cert,
        config_tls_key_file=certs.client_key, tls_cert_file=certs.server_cert,
        tls_key_file=certs.server_key, client_tls=(certs.ca, "", ""))
    try:
        await workspace.seed(config.stub, ws_id)  # the harness client presents its cert
        answer = await runtime.stub.ResolveChannel(rpb.ResolveChannelRequest(
            workspace_id=ws_id, channel_id="wa"))
        assert answer.served_from.version == 1  # fetched from the config service over mTLS

        # no client certificate: the config service refuses the handshake
        server_only = channel_credentials(certs.ca)
        assert server_only is not None
        async with grpc.aio.secure_channel(f"localhost:{config.server.port}",
                                           server_only) as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await cgrpc.ConfigServiceStub(channel).ListWorkspaces(
                    cpb.ListWorkspacesRequest(), timeout=5)
            assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        # plaintext to a TLS server gets nothing either
        async with grpc.aio.insecure_channel(f"127.0.0.1:{config.server.port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError):
                await cgrpc.ConfigServiceStub(channel).ListWorkspaces(
                    cpb.ListWorkspacesRequest(), timeout=5)
    finally:
        await runtime.stop()
        await config.stop()
