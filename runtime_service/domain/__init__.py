"""Pure: no gRPC calls, no Redis, no disk. Proto messages are plain data here."""
