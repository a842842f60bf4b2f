"""How an internal-chat turn is printed: the reply as plain text, and on request the trace
(who answered, why, with which instructions, tools and MCP servers, from which Draft
revision or version)."""

from __future__ import annotations

import textwrap

from rich.console import Group
from rich.text import Text

from agentconfig.v1 import runtime_service_pb2 as rpb


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


def _ids(values: list[str]) -> str:
    return ", ".join(values) if values else "-"


def render_trace(trace: rpb.ChatTrace) -> Group:
    lines = [Text("trace", style="bold dim"),
             Text(f"  answering agent:     {trace.answering_agent_id}")]
    if trace.HasField("squad") and trace.squad.squad_id:
        lines.append(Text(f"  {handoff(trace.squad)}"))
    lines += [
        Text(f"  conditional prompts: {_ids(list(trace.matched_conditional_prompt_ids))}"),
        Text(f"  tools:               {_ids(list(trace.tool_ids))}"),
        Text(f"  MCP servers:         {_ids(list(trace.mcp_server_ids))}"),
        Text(f"  served from:         {served_from(trace.served_from)}"),
        Text("  effective instructions:"),
        Text(textwrap.indent(trace.effective_instructions.rstrip("\n") or "-", "    "),
             style="dim"),
    ]
    return Group(*lines)
