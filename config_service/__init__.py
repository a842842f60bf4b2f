"""The config service: owns workspaces, the Draft, published versions, history and channels.

Layers (imports point down only):

    api/        gRPC servicer, proto <-> domain conversion          (transport)
    service/    use cases and the ports they need                   (application)
    domain/     plain dataclasses, validation, limits               (domain)
    adapters/   SQLAlchemy repositories, outbox relay, notifiers    (implement service ports)
    bootstrap   the one place that wires concrete classes
"""
