"""The internal chat as a simulator: one turn of a conversation is a loop in which the
model (a responder) replies or asks for tool calls, and each call is checked against the
tool's input schema and answered by a mock, by the real tool where the workspace allows it,
or refused visibly. Nothing here reads the production store or speaks gRPC.

    ports.py          what the simulator needs from outside: the model (Responder), real
                      HTTP tools (ToolCaller), MCP servers (McpClient), and the data they
                      exchange
    requests.py       checks of a turn's mocks and script (limits, fields named)
    arguments.py      tool arguments against the tool's JSON Schema
    toolbox.py        one tool call: offered? valid? mocked? live? -> a ToolInvocation
    offer.py          the tools a turn offers: the agent's HTTP tools and its MCP servers'
    egress.py         which hosts the simulator may contact at all
    loop.py           the turn loop, bounded in steps, as a stream of events
    sessions.py       chat conversations in this replica's memory: history, current speaker
    adapters/         the deterministic, scripted and OpenAI-compatible responders, the
                      HTTP tool caller, the MCP client (official SDK)
"""
