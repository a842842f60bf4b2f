"""The runtime's use cases over its ports. No gRPC server, Redis or disk code here."""
