"""Resolution against a snapshot: which agent answers (squad hand-off rules) and with which
effective instructions (conditional prompts, highest priority first). Pure and fast: it
runs on every gateway request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentconfig.errors import FailedPrecondition, NotFound
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.domain.snapshot import PreparedAgent, PreparedSquad, ServingSnapshot


def resolve_agent(snapshot: ServingSnapshot, agent_id: str, context: Mapping[str, Any],
                  ) -> rpb.ResolvedAgent:
    prepared = snapshot.agents.get(agent_id)
    if prepared is None:
        raise NotFound(f"agent {agent_id!r} is not in v{snapshot.version} of "
                       f"{snapshot.workspace_id!r}", reason="AGENT_NOT_FOUND",
                       metadata={"agent_id": agent_id, "version": str(snapshot.version)})
    return apply_prompts(prepared, context)


def apply_prompts(prepared: PreparedAgent, context: Mapping[str, Any]) -> rpb.ResolvedAgent:
    out = rpb.ResolvedAgent()
    out.CopyFrom(prepared.static)
    if not prepared.prompts:
        return out
    matched = [p for p in prepared.prompts
               if p.condition is not None and p.condition.evaluate(context)]
    if matched:
        out.effective_instructions = "\n\n".join(
            [prepared.static.agent.instructions, *(p.text for p in matched)])
        out.matched_conditional_prompt_ids.extend(p.prompt_id for p in matched)
    return out


def pick_squad_agent(squad: PreparedSquad, context: Mapping[str, Any], current: str = "",
                     ) -> rpb.SquadTrace:
    """The first rule (in order) that applies to the answering member and whose condition
    holds hands over; otherwise the current member (the entry agent at the start) answers."""
    speaker = current if current in squad.members else squad.entry_agent_id
    for rule in squad.rules:
        if rule.from_agent_id and rule.from_agent_id != speaker:
            continue
        if rule.condition is not None and rule.condition.evaluate(context):
            return rpb.SquadTrace(squad_id=squad.squad_id, entry_agent_id=squad.entry_agent_id,
                                  handoff_rule_index=rule.index,
                                  answering_agent_id=rule.to_agent_id)
    return rpb.SquadTrace(squad_id=squad.squad_id, entry_agent_id=squad.entry_agent_id,
                          handoff_rule_index=-1, answering_agent_id=speaker)


def resolve_target(snapshot: ServingSnapshot, kind: str, target_id: str,
                   context: Mapping[str, Any]) -> tuple[rpb.ResolvedAgent, rpb.SquadTrace | None]:
    """An agent, or the member of a squad that answers."""
    if kind == "agent":
        return resolve_agent(snapshot, target_id, context), None
    squad = snapshot.squads.get(target_id)
    if squad is None:
        raise NotFound(f"squad {target_id!r} is not in v{snapshot.version} of "
                       f"{snapshot.workspace_id!r}", reason="SQUAD_NOT_FOUND")
    trace = pick_squad_agent(squad, context)
    if trace.answering_agent_id not in snapshot.agents:
        raise FailedPrecondition(f"squad {target_id!r} hands over to agent "
                                 f"{trace.answering_agent_id!r}, which is missing",
                                 reason="AGENT_MISSING")
    return resolve_agent(snapshot, trace.answering_agent_id, context), trace
