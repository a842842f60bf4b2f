"""How an internal-chat turn is printed: the reply as plain text, and on request the trace
(who answered, why, with which instructions, tools and MCP servers, which tool calls were
made and what came of them, from which Draft revision or version). Streamed turns print
hand-offs and tool calls as they happen (stderr) and the reply as it comes (stdout)."""

from __future__ import annotations

import sys
import textwrap

from google.protobuf import json_format
from rich.console import Group
from rich.text import Text

from agentconfig.v1 import runtime_service_pb2 as rpb
from agentctl.output import note
from agentctl.values import as_json

OUTCOMES = {
    rpb.TOOL_OUTCOME_MOCKED: "mocked",
    rpb.TOOL_OUTCOME_CALLED: "called",
    rpb.TOOL_OUTCOME_SCHEMA_VIOLATION: "schema violation",
    rpb.TOOL_OUTCOME_NOT_OFFERED: "not offered",
    rpb.TOOL_OUTCOME_NO_MOCK: "no mock",
    rpb.TOOL_OUTCOME_ERROR: "error",
}
MAX_SHOWN = 200  # characters of arguments or result on one line


def served_from(s: rpb.ServedFrom) -> str:
    if s.draft_revision:
        return f"draft revision {s.draft_revision}"
    return f"v{s.version} ({s.content_hash[:12]})"


def handoff(squad: rpb.SquadTrace) -> str:
    if squad.handoff_rule_index < 0:
        return (f"squad {squad.squad_id}: entry agent {squad.entry_agent_id} answers "
                "(no hand-off rule matched)")
    return (f"squad {squad.squad_id}: entry agent {squad.entry_agent_id}, hand-off rule "
            f"{squad.handoff_rule_index} -> {squad.answering_agent_id}")


def handoff_event(event: rpb.HandoffEvent) -> str:
    why = f": {event.description}" if event.description else ""
    return (f"hand-off {event.from_agent_id} -> {event.to_agent_id} "
            f"(rule {event.rule_index}{why})")


def _json(value: object) -> str:
    text = as_json(value, separators=(", ", ": "))
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "..."


def call_text(call: rpb.ToolCall) -> str:
    if call.call_id.startswith("mcp-list:"):
        return f"list MCP server {call.tool}"
    return f"{call.tool} {_json(json_format.MessageToDict(call.arguments))}"


def outcome_text(invocation: rpb.ToolInvocation) -> str:
    outcome = OUTCOMES.get(invocation.outcome, "?")
    if invocation.outcome in (rpb.TOOL_OUTCOME_MOCKED, rpb.TOOL_OUTCOME_CALLED):
        return f"{outcome}: {_json(json_format.MessageToDict(invocation.result))}"
    details = "; ".join(invocation.violations) or invocation.error
    return f"{outcome}: {details}" if details else outcome


def tool_line(invocation: rpb.ToolInvocation) -> str:
    return f"{call_text(invocation.call)} -> {outcome_text(invocation)}"


def _ids(values: list[str]) -> str:
    return ", ".join(values) if values else "-"


def render_trace(trace: rpb.ChatTrace) -> Group:
    lines = [Text("trace", style="bold dim"),
             Text(f"  answering agent:     {trace.answering_agent_id}")]
    if trace.HasField("squad") and trace.squad.squad_id:
        lines.append(Text(f"  {handoff(trace.squad)}"))
        if trace.previous_agent_id:
            lines.append(Text(f"  previous turn:       {trace.previous_agent_id}"))
    lines += [
        Text(f"  conditional prompts: {_ids(list(trace.matched_conditional_prompt_ids))}"),
        Text(f"  tools:               {_ids(list(trace.tool_ids))}"),
        Text(f"  MCP servers:         {_ids(list(trace.mcp_server_ids))}"),
    ]
    if trace.mcp_tools:
        lines.append(Text(f"  MCP tools offered:   {_ids(list(trace.mcp_tools))}"))
    if trace.tool_calls:
        lines.append(Text("  tool calls:"))
        lines += [Text(f"    {tool_line(c)}") for c in trace.tool_calls]
    lines += [
        Text(f"  served from:         {served_from(trace.served_from)}"),
        Text("  effective instructions:"),
        Text(textwrap.indent(trace.effective_instructions.rstrip("\n") or "-", "    "),
             style="dim"),
    ]
    return Group(*lines)


def show_event(event: rpb.StreamChatResponse) -> rpb.ChatResponse | None:
    """Prints one streamed event: hand-offs and tool calls to stderr, reply text to stdout
    as it comes; returns the whole answer at the end."""
    kind = event.WhichOneof("event")
    if kind == "handoff":
        note(handoff_event(event.handoff), "dim")
    elif kind == "tool_call_finished":
        note(f"tool {tool_line(event.tool_call_finished)}", "dim")
    elif kind == "reply_delta":
        sys.stdout.write(event.reply_delta)
        sys.stdout.flush()
    elif kind == "done":
        sys.stdout.write("\n")
        return event.done
    return None
