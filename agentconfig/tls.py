"""TLS by configuration: server credentials (with client-certificate verification, i.e.
mTLS, when a client CA is given) and channel credentials for the clients."""

from __future__ import annotations

from pathlib import Path

import grpc


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def server_credentials(cert_file: str, key_file: str, client_ca_file: str = "",
                       ) -> grpc.ServerCredentials | None:
    """None when no certificate is configured (plaintext)."""
    if not cert_file:
        return None
    return grpc.ssl_server_credentials(
        [(_read(key_file), _read(cert_file))],
        root_certificates=_read(client_ca_file) if client_ca_file else None,
        require_client_auth=bool(client_ca_file))


def channel_credentials(ca_file: str, cert_file: str = "", key_file: str = "",
                        ) -> grpc.ChannelCredentials | None:
    """None when no CA is configured (plaintext); a client certificate makes it mTLS."""
    if not ca_file:
        return None
    return grpc.ssl_channel_credentials(
        root_certificates=_read(ca_file),
        private_key=_read(key_file) if key_file else None,
        certificate_chain=_read(cert_file) if cert_file else None)
