"""Settings from environment variables (prefix AGENTCONFIG_), read once at start."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from agentconfig.database_settings import DatabaseSettings
from agentconfig.redis_connect import RedisSettings


class ConfigServiceSettings(DatabaseSettings, RedisSettings, BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AGENTCONFIG_", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///.data/agentconfig.db"
    # redis_url / redis_sentinels ...: RedisSettings (agentconfig/redis_connect.py).
    listen: str = "127.0.0.1:50051"
    relay_interval_seconds: float = 1.0
    # Delivered outbox rows are deleted after this long (7 days), in small batches.
    outbox_retention_seconds: float = 7 * 24 * 3600.0
    # How often the rollout controller steps scheduled rollouts and checks guards; 0: off.
    rollout_tick_seconds: float = 5.0
    # How often due scheduled publishes are looked for; 0: off (none runs in this process).
    schedule_tick_seconds: float = 1.0
    # A schedule not run within this long after its time (every instance was down) is
    # marked missed instead of publishing late.
    schedule_grace_seconds: float = 3600.0
    shutdown_grace_seconds: float = 5.0
    migrate_on_start: bool = True
    max_message_bytes: int = 4 * 1024 * 1024
    log_level: str = "INFO"
    # Prometheus /metrics over HTTP on host:port; empty: not exposed.
    metrics_listen: str = ""
    # TLS: a certificate and key turn TLS on; a client CA makes it mutual (mTLS), e.g. to
    # admit only runtimes that present a certificate signed by it.
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    # Calls in flight beyond this get RESOURCE_EXHAUSTED.
    max_concurrent_rpcs: int = 1000
    # Access control (docs/security.md). Off only for tests and local experiments.
    auth_required: bool = True
    # Creates workspaces and their first admin key; never stored.
    operator_key: str = ""
    # The runtime's credential (AGENTCONFIG_RUNTIME_SERVICE_KEY on the runtime side).
    service_key: str = ""
