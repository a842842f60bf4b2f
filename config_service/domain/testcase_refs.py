"""What a test case names must exist in the content that holds its target (the Draft, else
Production): the target itself, the agents and conditional prompts its expectations name,
the hand-off rule index, and the tools its mocks answer for. Checked when the case is
written, so a mock for a tool the target cannot use is refused then, with its path, rather
than silently never used. Script tool calls are not checked: a case may script a call to
a tool the agent is not offered, to test exactly that."""

from __future__ import annotations

from agentconfig.errors import FieldViolation
from config_service.domain.field_checks import violation
from config_service.domain.model import Key, Spec
from config_service.domain.testcases import CaseBody, Json


def _agents(body: CaseBody, specs: dict[Key, Spec]) -> list[str]:
    if body.target_kind == "agent":
        return [body.target_id]
    return list(specs[("squad", body.target_id)].get("member_agent_ids", []))


def usable_tools(agents: list[str], specs: dict[Key, Spec]) -> tuple[set[str], dict[str, set[str]]]:
    """Tool ids the agents use, and per MCP server they use its allowed tools (an empty
    set: every tool the server lists)."""
    tools: set[str] = set()
    servers: dict[str, set[str]] = {}
    for agent_id in agents:
        agent = specs.get(("agent", agent_id), {})
        tools.update(agent.get("tool_ids", []))
        for server_id in agent.get("mcp_server_ids", []):
            server = specs.get(("mcp_server", server_id), {})
            servers[server_id] = set(server.get("allowed_tools", []))
    return tools, servers


def _usable(tool: str, tools: set[str], servers: dict[str, set[str]]) -> bool:
    server, slash, name = tool.partition("/")
    if not slash:
        return tool in tools
    return server in servers and (not servers[server] or name in servers[server])


def _expect(expect: Json, p: str, body: CaseBody, agents: list[str],
            specs: dict[Key, Spec]) -> list[FieldViolation]:
    out = []
    agent = expect.get("agent_id", "")
    if agent and agent not in agents:
        out.append(violation(f"{p}agent_id", f"{agent!r} is not {body.target_kind} "
                             f"{body.target_id!r} or one of its members", "NOT_A_MEMBER"))
    if expect.get("check_handoff"):
        index = expect.get("handoff_rule_index", 0)
        rules = specs.get(("squad", body.target_id), {}).get("handoff_rules", []) \
            if body.target_kind == "squad" else []
        if index != -1 and not 0 <= index < len(rules):
            out.append(violation(f"{p}handoff_rule_index", f"{body.target_kind} "
                                 f"{body.target_id!r} has {len(rules)} hand-off rule(s): "
                                 "expect -1 (none) or the index of one", "OUT_OF_RANGE"))
    for i, prompt in enumerate(expect.get("conditional_prompt_ids", [])):
        if ("conditional_prompt", prompt) not in specs:
            out.append(violation(f"{p}conditional_prompt_ids[{i}]", f"there is no "
                                 f"conditional prompt {prompt!r}", "UNKNOWN_PROMPT"))
    return out


def references(body: CaseBody, specs: dict[Key, Spec], p: str = "test_case.",
               ) -> list[FieldViolation]:
    if (body.target_kind, body.target_id) not in specs:
        return [violation(f"{p}target_id", f"{body.target_kind} {body.target_id!r} is neither "
                          "in the Draft nor in Production", "UNKNOWN_TARGET")]
    agents = _agents(body, specs)
    out: list[FieldViolation] = []
    for i, turn in enumerate(body.turns):
        out += _expect(turn.get("expect", {}), f"{p}turns[{i}].expect.", body, agents, specs)
    tools, servers = usable_tools(agents, specs)
    for i, mock in enumerate(body.mocks):
        if not _usable(mock.get("tool", ""), tools, servers):
            usable = ", ".join(sorted(tools | {f"{s}/..." for s in servers})) or "none"
            out.append(violation(f"{p}mocks[{i}].tool", f"{body.target_kind} "
                                 f"{body.target_id!r} cannot use {mock.get('tool')!r} "
                                 f"(its tools: {usable})", "UNKNOWN_TOOL"))
    return out
