"""Resolution against a snapshot: which agent answers (squad hand-off rules) and with which
effective instructions (conditional prompts, highest priority first). Pure and fast: it
runs on every gateway request. Conditions share one CEL activation per request, and
channel answers are memoised per snapshot by the context values the conditions read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agentconfig.conditions import Activation
from agentconfig.errors import FailedPrecondition, NotFound
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.domain.context import context_dict, context_key
from runtime_service.domain.snapshot import PreparedAgent, PreparedSquad, ServingSnapshot

MAX_MEMO = 2048
MAX_MEMO_KEY_CHARS = 1024  # long messages or variables are evaluated, not remembered


def where(snapshot: ServingSnapshot) -> str:
    if snapshot.version:
        return f"v{snapshot.version} of {snapshot.workspace_id!r}"
    return f"the Draft (revision {snapshot.draft_revision}) of {snapshot.workspace_id!r}"


def _agent(snapshot: ServingSnapshot, agent_id: str) -> PreparedAgent:
    prepared = snapshot.agents.get(agent_id)
    if prepared is None:
        raise NotFound(f"agent {agent_id!r} is not in {where(snapshot)}",
                       reason="AGENT_NOT_FOUND",
                       metadata={"agent_id": agent_id, "version": str(snapshot.version)})
    return prepared


def matched_prompts(prepared: PreparedAgent, activation: Activation) -> tuple[int, ...]:
    return tuple(i for i, p in enumerate(prepared.prompts)
                 if p.condition is not None and p.condition.evaluate(activation))


def build_agent(prepared: PreparedAgent, matched: tuple[int, ...]) -> rpb.ResolvedAgent:
    out = rpb.ResolvedAgent()
    out.CopyFrom(prepared.static)
    if matched:
        prompts = [prepared.prompts[i] for i in matched]
        out.effective_instructions = "\n\n".join(
            [prepared.static.agent.instructions, *(p.text for p in prompts)])
        out.matched_conditional_prompt_ids.extend(p.prompt_id for p in prompts)
    return out


def resolve_agent(snapshot: ServingSnapshot, agent_id: str,
                  context: Mapping[str, Any] | Activation) -> rpb.ResolvedAgent:
    prepared = _agent(snapshot, agent_id)
    activation = context if isinstance(context, Activation) else Activation(context)
    return build_agent(prepared, matched_prompts(prepared, activation))


def pick_squad_agent(squad: PreparedSquad, activation: Activation, current: str = "",
                     ) -> rpb.SquadTrace:
    """The first rule (in order) that applies to the answering member and whose condition
    holds hands over; otherwise the current member (the entry agent at the start) answers."""
    speaker = current if current in squad.members else squad.entry_agent_id
    for rule in squad.rules:
        if rule.from_agent_id and rule.from_agent_id != speaker:
            continue
        if rule.condition is not None and rule.condition.evaluate(activation):
            return rpb.SquadTrace(squad_id=squad.squad_id, entry_agent_id=squad.entry_agent_id,
                                  handoff_rule_index=rule.index,
                                  answering_agent_id=rule.to_agent_id)
    return rpb.SquadTrace(squad_id=squad.squad_id, entry_agent_id=squad.entry_agent_id,
                          handoff_rule_index=-1, answering_agent_id=speaker)


def _squad(snapshot: ServingSnapshot, target_id: str, activation: Activation,
           current_agent_id: str = "") -> tuple[PreparedAgent, rpb.SquadTrace]:
    squad = snapshot.squads.get(target_id)
    if squad is None:
        raise NotFound(f"squad {target_id!r} is not in {where(snapshot)}",
                       reason="SQUAD_NOT_FOUND")
    trace = pick_squad_agent(squad, activation, current_agent_id)
    if trace.answering_agent_id not in snapshot.agents:
        raise FailedPrecondition(f"squad {target_id!r} hands over to agent "
                                 f"{trace.answering_agent_id!r}, which is missing",
                                 reason="AGENT_MISSING")
    return snapshot.agents[trace.answering_agent_id], trace


def resolve_target(snapshot: ServingSnapshot, kind: str, target_id: str,
                   context: Mapping[str, Any], current_agent_id: str = "",
                   ) -> tuple[rpb.ResolvedAgent, rpb.SquadTrace | None]:
    """An agent, or the member of a squad that answers: hand-off rules apply from
    ``current_agent_id`` (the conversation's current speaker; the entry agent when empty
    or no longer a member), so a hand-off lasts until a rule hands over again."""
    activation = Activation(context)
    if kind == "agent":
        return resolve_agent(snapshot, target_id, activation), None
    prepared, trace = _squad(snapshot, target_id, activation, current_agent_id)
    return build_agent(prepared, matched_prompts(prepared, activation)), trace


def _chars(key: tuple[object, ...]) -> int:
    return sum(len(v) if isinstance(v, str | bytes) else _chars(v) if isinstance(v, tuple)
               else 8 for v in key)


def channel_answer(snapshot: ServingSnapshot, kind: str, target_id: str,
                   request: rpb.ConversationContext, channel_id: str, channel_type: str,
                   current_agent_id: str = "") -> rpb.ResolveChannelResponse:
    """The full response for a channel. Conditions read only a few context variables, so
    the answer is memoised per snapshot by their values: a context seen before (same tags,
    locale, channel, ...) costs a lookup; a new one evaluates the conditions once. The
    returned message is shared: callers must not modify it."""
    names = snapshot.condition_variables
    key = (kind, target_id, current_agent_id,
           *context_key(request, names, channel_id, channel_type))
    cached = snapshot.memo.get(key)
    if cached is not None:
        return cached
    context = context_dict(request, channel_id, channel_type)
    activation = Activation({n: context[n] for n in names})
    trace: rpb.SquadTrace | None = None
    if kind == "agent":
        prepared = _agent(snapshot, target_id)
    else:
        prepared, trace = _squad(snapshot, target_id, activation, current_agent_id)
    answer = rpb.ResolveChannelResponse(
        agent=build_agent(prepared, matched_prompts(prepared, activation)),
        served_from=snapshot.served_from, squad=trace)
    if _chars(key) <= MAX_MEMO_KEY_CHARS:
        if len(snapshot.memo) >= MAX_MEMO:
            snapshot.memo.clear()
        snapshot.memo[key] = answer
    return answer
