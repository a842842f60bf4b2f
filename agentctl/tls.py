"""TLS for both channels: ``--tls-ca`` turns it on (the servers are verified against that
CA), ``--tls-cert``/``--tls-key`` add a client certificate (mTLS), ``--tls-server-name``
overrides the name checked in the server certificate. The credentials themselves come from
``agentconfig.tls``, the same code the services use."""

from __future__ import annotations

from pathlib import Path

import grpc

from agentconfig.tls import channel_credentials
from agentctl.errors import Usage
from agentctl.settings import Settings

# setting -> how the user may have given it, for error messages
SOURCES = {"tls_ca": "--tls-ca / AGENTCTL_TLS_CA / tls_ca",
           "tls_cert": "--tls-cert / AGENTCTL_TLS_CERT / tls_cert",
           "tls_key": "--tls-key / AGENTCTL_TLS_KEY / tls_key"}


def enabled(settings: Settings) -> bool:
    return bool(settings.tls_ca)


def check(settings: Settings) -> None:
    """Usage errors for a half-given client certificate, a certificate without a CA, or a
    file that cannot be read (named, with where it was given)."""
    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise Usage("a client certificate needs both --tls-cert and --tls-key "
                    "(or AGENTCTL_TLS_CERT and AGENTCTL_TLS_KEY)")
    if (settings.tls_cert or settings.tls_server_name) and not settings.tls_ca:
        raise Usage("--tls-cert, --tls-key and --tls-server-name need --tls-ca "
                    "(the CA that signed the server certificates), which turns TLS on")
    for name, source in SOURCES.items():
        path: str = getattr(settings, name)
        if not path:
            continue
        try:
            with Path(path).expanduser().open("rb") as f:
                f.read(1)
        except OSError as exc:
            raise Usage(f"cannot read the TLS file {path} ({source}): "
                        f"{exc.strerror or exc}") from None


def credentials(settings: Settings) -> grpc.ChannelCredentials | None:
    """None for plaintext."""
    check(settings)
    if not enabled(settings):
        return None
    return channel_credentials(*(str(Path(p).expanduser()) if p else ""
                                 for p in (settings.tls_ca, settings.tls_cert,
                                           settings.tls_key)))

