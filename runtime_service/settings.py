"""Runtime settings from environment variables (prefix AGENTCONFIG_RUNTIME_)."""

from __future__ import annotations

import os
import socket
import uuid
from typing import Annotated

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from agentconfig.database_settings import DatabaseSettings
from agentconfig.redis_connect import RedisSettings


def _replica_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:4]}"


class RuntimeSettings(DatabaseSettings, RedisSettings, BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTCONFIG_RUNTIME_", extra="ignore")

    listen: str = "127.0.0.1:50052"
    # Processes serving the listen port together (SO_REUSEPORT), each a full replica with
    # id "<replica_id>-w<i>"; 0: one per usable core (the container image's setting).
    # docs/operations.md, "Several workers".
    workers: int = 1
    # Set by the supervisor in each worker it starts (1-based); 0: not a worker.
    worker_index: int = 0
    config_service: str = "127.0.0.1:50051"
    # The runtime's credential for the config service (sent as a Bearer token).
    service_key: str = ""
    # redis_url / redis_sentinels ...: RedisSettings (agentconfig/redis_connect.py).
    # Where conversations and executions are recorded; empty: not recorded.
    database_url: str = ""
    # conversation records only: a small pool per process (one per worker, per replica)
    database_pool_size: Annotated[int, Field(ge=1, le=1000)] = 4
    database_max_overflow: Annotated[int, Field(ge=0, le=1000)] = 4
    data_dir: str = ".data/runtime"
    replica_id: str = Field(default_factory=_replica_id)
    reconcile_seconds: float = 3.0
    report_seconds: float = 5.0
    # Channel bindings are pushed on change (best effort) and re-read this often anyway.
    channel_refresh_seconds: float = 30.0
    conversation_idle_seconds: float = 1800.0
    conversation_policy: str = "pinned"
    # Per-workspace overrides: "ws-a=latest,ws-b=pinned".
    conversation_policies: str = ""
    # Signs conversation tokens; the same on every replica, so any of them verifies a token
    # another signed (several, comma-separated: the first signs, any verifies). Empty: a
    # random secret per process, so a token only verifies on the replica that signed it
    # (others ignore it) and only the shared record carries conversations across replicas.
    conversation_secret: str = ""
    # Recorded conversations idle longer than this are deleted (0: kept forever).
    conversation_retention_days: float = 30.0
    responder: str = "deterministic"  # or "openai"
    # The internal chat as a simulator (docs/api.md, Chat): what the model sees of a
    # conversation, how long a chat conversation lives in this replica's memory, how long
    # an MCP server (listing or call) and a live HTTP tool without timeout_ms may take, and
    # the hosts the simulator may contact at all (shell patterns; "*": any).
    chat_history_turns: int = 20
    chat_history_chars: int = 16_000
    chat_conversations: int = 10_000
    chat_idle_seconds: float = 1800.0
    mcp_timeout_seconds: float = 5.0
    tool_timeout_seconds: float = 10.0
    simulator_hosts: str = "localhost,127.0.0.1,::1"
    # RunTests: test cases run at once per run. Scripted turns are CPU work on the replica's
    # one event loop, so fewer leaves more of it to gateways meanwhile (docs/benchmarks.md).
    test_concurrency: int = 8
    openai_base_url: str = "http://127.0.0.1:8000/v1"
    openai_api_key: str = ""
    openai_model: str = ""
    shutdown_grace_seconds: float = 5.0
    max_message_bytes: int = 4 * 1024 * 1024
    log_level: str = "INFO"
    # Prometheus /metrics over HTTP on host:port; empty: not exposed.
    metrics_listen: str = ""
    # TLS for this server (a client CA makes it mutual)...
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    # ... and for its calls to the config service (a CA turns TLS on; cert+key: mTLS).
    config_tls_ca_file: str = ""
    config_tls_cert_file: str = ""
    config_tls_key_file: str = ""
    # Calls in flight beyond this get RESOURCE_EXHAUSTED (watch streams count too).
    max_concurrent_rpcs: int = 20000
    # Callers must present API keys (docs/security.md); off only for tests and experiments.
    auth_required: bool = True
    # The platform operator's key (the config service's AGENTCONFIG_OPERATOR_KEY): every
    # workspace. Compared by hash; never logged.
    operator_key: str = ""
    # While the config service is unreachable, a key this replica verified before (kept on
    # disk, digests only) is trusted until this long after the config service last
    # confirmed it; 0: never (docs/security.md has the trade-off).
    offline_key_trust_seconds: float = 86_400.0

    def conversation_secrets(self) -> list[bytes]:
        return [s.strip().encode() for s in self.conversation_secret.split(",") if s.strip()]

    def policies(self) -> dict[str, str]:
        pairs = [p.split("=", 1) for p in self.conversation_policies.split(",") if "=" in p]
        return {k.strip(): v.strip() for k, v in pairs}
