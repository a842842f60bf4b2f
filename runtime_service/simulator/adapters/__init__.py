"""The simulator's adapters: responders (deterministic, scripted, OpenAI-compatible), the
HTTP tool caller and the MCP client (official MCP Python SDK)."""
