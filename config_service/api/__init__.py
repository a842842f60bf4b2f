"""gRPC transport: servicers translate protos to use-case calls and back. Errors are raised
as domain errors and mapped to statuses by agentconfig.rpc_status (one place)."""
