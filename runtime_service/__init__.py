"""The runtime service: serves each workspace's production snapshot from memory to channel
gateways, hot-reloads on publish, and runs the internal chat against Drafts and versions.

Layers (imports point down only; never imports config_service):

    api/        gRPC servicer                                       (transport)
    service/    the snapshot store, loader/reconciler, conversations, chat, ports
    domain/     immutable serving snapshots and pure resolution     (no I/O)
    adapters/   config-service gRPC client, Redis or in-process notifications, disk cache,
                the conversation recorder
    simulator/  the internal chat's simulator: its ports (model, HTTP tools, MCP), the
                turn loop and tool decisions, its adapters (responders, httpx, MCP SDK)
    bootstrap   the one place that wires concrete classes
"""
