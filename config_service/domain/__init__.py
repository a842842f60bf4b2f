"""Plain-Python domain: no SQLAlchemy, no Redis, no gRPC."""
