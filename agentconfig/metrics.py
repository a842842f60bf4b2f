"""Prometheus metrics: per-RPC counts and latency for both services under the names of
go-grpc-prometheus (what existing Grafana dashboards and alert rules query), plus the few
gauges and counters that tell an operator whether configuration is flowing (see
docs/operations.md). Exposed over HTTP when a metrics address is configured."""

from __future__ import annotations

import grpc
from prometheus_client import Counter, Gauge, Histogram, start_http_server

# grpc_type, grpc_service, grpc_method (+ grpc_code): the labels of go-grpc-prometheus
RPCS_STARTED = Counter("grpc_server_started_total", "Total number of RPCs started on the "
                       "server.", ["grpc_type", "grpc_service", "grpc_method"])
RPCS = Counter("grpc_server_handled_total", "Total number of RPCs completed on the server, "
               "regardless of success or failure.",
               ["grpc_type", "grpc_service", "grpc_method", "grpc_code"])
RPC_SECONDS = Histogram("grpc_server_handling_seconds", "Histogram of response latency "
                        "(seconds) of gRPC that had been application-level handled by the "
                        "server.", ["grpc_type", "grpc_service", "grpc_method"],
                        buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                 0.5, 1, 2.5, 5, 10))


def _go_name(code: grpc.StatusCode) -> str:
    """Go's spelling of a status code (codes.Code.String()), which dashboards match on:
    NOT_FOUND -> NotFound, CANCELLED -> Canceled."""
    if code is grpc.StatusCode.OK:
        return "OK"
    if code is grpc.StatusCode.CANCELLED:
        return "Canceled"
    return "".join(part.capitalize() for part in code.name.split("_"))


GRPC_CODES = {code.name: _go_name(code) for code in grpc.StatusCode}

MOVES_DELIVERED = Counter("agentconfig_production_moves_delivered_total",
                          "Production moves delivered to the notifier (Redis or the bus)")
OUTBOX_PENDING = Gauge("agentconfig_outbox_pending", "Production moves not yet delivered")
RELAY_FAILURES = Counter("agentconfig_relay_failures_total", "Failed outbox deliveries")
SERVED_VERSION = Gauge("agentconfig_runtime_served_version",
                       "Version this replica serves", ["workspace"])
RELOADS = Counter("agentconfig_runtime_reloads_total",
                  "Snapshots swapped in, by how they were built: delta (from the one served "
                  "and the change), full, delta_fallback (full, after a delta was refused)",
                  ["mode"])
REFUSED = Counter("agentconfig_runtime_refused_snapshots_total",
                  "Snapshots refused because their hash did not verify")
NOTICES_REFUSED = Counter("agentconfig_runtime_notices_refused_total",
                          "Notices and pointers ignored: malformed, or naming no version",
                          ["reason"])
OFFLINE_KEYS = Counter("agentconfig_runtime_offline_key_checks_total",
                       "Keys accepted from the last-known-good copy while the config "
                       "service was unreachable")
DEGRADED = Gauge("agentconfig_runtime_degraded", "1 while the replica reports degraded")


def serve_metrics(address: str) -> None:
    """Start the /metrics HTTP endpoint on "host:port" (empty: none)."""
    if address:
        host, _, port = address.rpartition(":")
        start_http_server(int(port), addr=host or "0.0.0.0")
