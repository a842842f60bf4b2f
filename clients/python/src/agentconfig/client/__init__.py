"""The client SDK: channels to either service done right (``connect``/``aconnect``: keepalive,
retries of idempotent reads, deadlines, TLS, the bearer key), remote failures as
``agentconfig.errors`` (``from_rpc``), and local evaluation (``LocalResolver``, async, and
``SyncLocalResolver``), which needs the ``local`` extra: ``pip install
"agentconfig-client[local]"``. The generated stubs are ``agentconfig.v1``. See docs/sdk.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from agentconfig.client.connect import Tls, aconnect, connect
from agentconfig.client.options import ClientOptions, channel_options, service_config
from agentconfig.client.rpc_errors import from_rpc

if TYPE_CHECKING:
    from agentconfig.client.local import LocalResolver
    from agentconfig.client.local_sync import SyncLocalResolver

__all__ = ["ClientOptions", "LocalResolver", "SyncLocalResolver", "Tls", "aconnect",
           "channel_options", "connect", "from_rpc", "service_config"]

_LOCAL = {"LocalResolver": "agentconfig.client.local",
          "SyncLocalResolver": "agentconfig.client.local_sync"}


def __getattr__(name: str) -> Any:
    """Local evaluation is imported on first use: without the ``local`` extra the stubs and
    the channels still work, and asking for a resolver says what to install."""
    if name not in _LOCAL:
        raise AttributeError(name)
    import importlib
    try:
        module = importlib.import_module(_LOCAL[name])
    except ImportError as exc:
        raise ImportError(f"{name} needs the 'local' extra: pip install "
                          f"\"agentconfig-client[local]\" ({exc})") from exc
    return getattr(module, name)
