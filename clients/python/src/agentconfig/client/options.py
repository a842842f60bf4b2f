"""Channel options done right for a gateway or a tool, in one place: keepalive (a gateway's
channel sits idle between bursts behind load balancers that drop quiet connections), a
retry policy for the idempotent reads through gRPC's own service config (no hand-written
retry loop; writes are never retried, a publish carries its own request id), a default
deadline per read, and message sizes that fit a large snapshot."""

from __future__ import annotations

import json
from dataclasses import dataclass

RUNTIME = "agentconfig.v1.RuntimeService"
CONFIG = "agentconfig.v1.ConfigService"

# reads: retried on UNAVAILABLE (a replica restarting, a connection reset). A channel turn
# that names a conversation is retried too: UNAVAILABLE means it was not answered
RUNTIME_READS = ("ResolveChannel", "ResolveAgent", "GetProductionSnapshot",
                 "GetReplicaStatus", "ListConversations", "GetConversation")
CONFIG_READS = ("GetWorkspace", "ListWorkspaces", "GetDraft", "ListDraftEntities",
                "GetDraftEntity", "ValidateDraft", "GetDraftSnapshot", "DiffDraft",
                "DiffVersions", "ListVersions", "GetVersion", "GetProduction",
                "GetVersionChanges", "ListDraftBackups", "GetRolloutStatus", "GetRollout",
                "ListRollouts", "ListSchedules", "ListApiKeys", "IntrospectApiKey",
                "GetCaller", "ListAuditEvents", "GetChannel", "ListChannels", "GetTestCase",
                "ListTestCases", "GetTestRun", "ListTestRuns", "DiffTestRuns")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class ClientOptions:
    """How a channel behaves; the defaults suit a gateway in the same region."""

    read_timeout_seconds: float = 5.0  # the default deadline of a read (a call may pass less)
    retry_attempts: int = 4  # 1 + up to 3 retries of a read answered UNAVAILABLE
    initial_backoff_seconds: float = 0.05
    max_backoff_seconds: float = 1.0
    keepalive_seconds: float = 30.0  # a ping after this long without traffic
    keepalive_timeout_seconds: float = 10.0  # the connection is dead without an answer
    reconnect_backoff_max_seconds: float = 1.0  # a restarted server is found within 1 s
    server_name: str = ""  # the name checked in the server certificate, if not the target's


DEFAULTS = ClientOptions()


def service_config(options: ClientOptions | None = None) -> str:
    """The JSON service config: retries and deadlines for the reads of both services."""
    options = options or DEFAULTS
    reads = [{"service": RUNTIME, "method": m} for m in RUNTIME_READS]
    reads += [{"service": CONFIG, "method": m} for m in CONFIG_READS]
    return json.dumps({"methodConfig": [{
        "name": reads,
        "timeout": f"{options.read_timeout_seconds:g}s",
        "retryPolicy": {
            "maxAttempts": max(2, options.retry_attempts),
            "initialBackoff": f"{options.initial_backoff_seconds:g}s",
            "maxBackoff": f"{options.max_backoff_seconds:g}s",
            "backoffMultiplier": 2,
            "retryableStatusCodes": ["UNAVAILABLE"],
        },
    }]})


def channel_options(options: ClientOptions | None = None,
                    ) -> list[tuple[str, str | int]]:
    """The grpc channel arguments for ``options``."""
    options = options or DEFAULTS
    out: list[tuple[str, str | int]] = [
        ("grpc.service_config", service_config(options)),
        ("grpc.enable_retries", 1),
        ("grpc.keepalive_time_ms", int(options.keepalive_seconds * 1000)),
        ("grpc.keepalive_timeout_ms", int(options.keepalive_timeout_seconds * 1000)),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.max_pings_without_data", 0),
        ("grpc.max_reconnect_backoff_ms", int(options.reconnect_backoff_max_seconds * 1000)),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
    ]
    if options.server_name:
        out.append(("grpc.ssl_target_name_override", options.server_name))
    return out
