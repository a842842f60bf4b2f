"""What a chat turn shows: the hand-off event, the trace and the conversation's state,
built from what the turn resolved and did. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from agentconfig.resolution.snapshot import ServingSnapshot
from agentconfig.v1 import runtime_service_pb2 as rpb


def handoff_event(snapshot: ServingSnapshot, squad: rpb.SquadTrace | None,
                  previous_agent_id: str) -> rpb.HandoffEvent | None:
    """Set when a rule hands the conversation to another member in this turn."""
    if squad is None or squad.handoff_rule_index < 0:
        return None
    members = snapshot.squads[squad.squad_id].members if squad.squad_id in snapshot.squads \
        else frozenset()
    speaker = previous_agent_id if previous_agent_id in members else squad.entry_agent_id
    if speaker == squad.answering_agent_id:
        return None
    return rpb.HandoffEvent(from_agent_id=speaker, to_agent_id=squad.answering_agent_id,
                            rule_index=squad.handoff_rule_index,
                            description=_rule_description(snapshot, squad))


def _rule_description(snapshot: ServingSnapshot, squad: rpb.SquadTrace) -> str:
    for entity in snapshot.proto.entities:
        if entity.WhichOneof("spec") == "squad" and entity.id == squad.squad_id:
            rules = entity.squad.handoff_rules
            if 0 <= squad.handoff_rule_index < len(rules):
                return str(rules[squad.handoff_rule_index].description)
    return ""


def served_from(snapshot: ServingSnapshot) -> rpb.ServedFrom:
    out = rpb.ServedFrom()
    out.CopyFrom(snapshot.served_from)
    out.reason = rpb.SERVE_REASON_CHAT
    return out


def chat_trace(snapshot: ServingSnapshot, agent: rpb.ResolvedAgent,
               squad: rpb.SquadTrace | None, calls: Sequence[rpb.ToolInvocation],
               mcp_tools: Sequence[str], previous_agent_id: str) -> rpb.ChatTrace:
    return rpb.ChatTrace(
        answering_agent_id=agent.agent_id, squad=squad,
        effective_instructions=agent.effective_instructions,
        matched_conditional_prompt_ids=agent.matched_conditional_prompt_ids,
        tool_ids=[t.id for t in agent.tools], mcp_server_ids=[m.id for m in agent.mcp_servers],
        served_from=served_from(snapshot), tool_calls=calls, mcp_tools=mcp_tools,
        previous_agent_id=previous_agent_id)


def conversation_state(conversation_id: str, snapshot: ServingSnapshot, agent_id: str,
                       turns: int, at: datetime) -> rpb.ConversationState:
    state = rpb.ConversationState(conversation_id=conversation_id, version=snapshot.version,
                                  current_agent_id=agent_id, turns=turns)
    state.last_turn_time.FromDatetime(at)
    return state
