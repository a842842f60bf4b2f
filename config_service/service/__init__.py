"""Use cases: short async functions over a unit of work. No SQLAlchemy, Redis or gRPC here."""
