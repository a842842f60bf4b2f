"""gRPC transport of the runtime."""
