"""Resolution against a snapshot: which agent answers (squad hand-off rules) and with which
effective instructions (conditional prompts, highest priority first). Pure and fast: it
runs on every gateway request. Conditions share one activation per request, channel
answers are memoised per snapshot by the context values the conditions read, and
responses by what the conditions decided."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from agentconfig.conditions import Activation
from agentconfig.errors import FailedPrecondition, NotFound
from agentconfig.resolution.context import context_key, context_values
from agentconfig.resolution.snapshot import PreparedAgent, PreparedSquad, ServingSnapshot
from agentconfig.v1 import runtime_service_pb2 as rpb

MAX_MEMO = 2048
MAX_MEMO_KEY_CHARS = 1024  # long messages or variables are evaluated, not remembered
_OUTCOME = "outcome"  # first item of the memo's outcome keys (context keys begin with a kind)


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
    matched = []
    for index, prompt in enumerate(prepared.prompts):  # a loop: cheaper than a generator
        condition = prompt.condition
        if condition is not None and condition.evaluate(activation):
            matched.append(index)
    return tuple(matched)


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


def _pick(squad: PreparedSquad, activation: Activation, current: str = "") -> tuple[int, str]:
    speaker = current if current in squad.members else squad.entry_agent_id
    for rule in squad.rules:
        if rule.from_agent_id and rule.from_agent_id != speaker:
            continue
        if rule.condition is not None and rule.condition.evaluate(activation):
            return rule.index, rule.to_agent_id
    return -1, speaker


def _trace(squad: PreparedSquad, picked: tuple[int, str]) -> rpb.SquadTrace:
    return rpb.SquadTrace(squad_id=squad.squad_id, entry_agent_id=squad.entry_agent_id,
                          handoff_rule_index=picked[0], answering_agent_id=picked[1])


def pick_squad_agent(squad: PreparedSquad, activation: Activation, current: str = "",
                     ) -> rpb.SquadTrace:
    """The first rule (in order) that applies to the answering member and whose condition
    holds hands over; otherwise the current member (the entry agent at the start) answers."""
    return _trace(squad, _pick(squad, activation, current))


def _squad_member(snapshot: ServingSnapshot, target_id: str, activation: Activation,
                  current_agent_id: str = "") -> tuple[PreparedSquad, tuple[int, str]]:
    squad = snapshot.squads.get(target_id)
    if squad is None:
        raise NotFound(f"squad {target_id!r} is not in {where(snapshot)}",
                       reason="SQUAD_NOT_FOUND")
    picked = _pick(squad, activation, current_agent_id)
    if picked[1] not in snapshot.agents:
        raise FailedPrecondition(f"squad {target_id!r} hands over to agent "
                                 f"{picked[1]!r}, which is missing", reason="AGENT_MISSING")
    return squad, picked


def _squad(snapshot: ServingSnapshot, target_id: str, activation: Activation,
           current_agent_id: str = "") -> tuple[PreparedAgent, rpb.SquadTrace]:
    squad, picked = _squad_member(snapshot, target_id, activation, current_agent_id)
    return snapshot.agents[picked[1]], _trace(squad, picked)


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


def _chars(values: tuple[object, ...]) -> int:
    """About the size of a memo key's context values (strings, bytes, tuples of strings)."""
    total = 0
    for value in values:
        if isinstance(value, str | bytes):
            total += len(value)
        elif isinstance(value, tuple):
            total += sum(map(len, value))
        else:
            total += 8
    return total


class _Outcome(NamedTuple):
    """What the conditions decided; a key of the snapshot's memo beside the context keys."""

    tag: str  # _OUTCOME: no context key begins so (they begin with a kind)
    target_id: str
    answering: str
    handoff: int | None  # the squad's hand-off rule (-1: none); None: an agent target
    matched: tuple[int, ...]


def _outcome(snapshot: ServingSnapshot, kind: str, target_id: str,
             activation: Activation, current_agent_id: str) -> _Outcome:
    """Many contexts share one outcome, and so one prebuilt response."""
    if kind == "agent":
        prepared = _agent(snapshot, target_id)
        return _Outcome(_OUTCOME, target_id, prepared.agent_id, None,
                        matched_prompts(prepared, activation))
    _, (index, answering) = _squad_member(snapshot, target_id, activation, current_agent_id)
    return _Outcome(_OUTCOME, target_id, answering, index,
                    matched_prompts(snapshot.agents[answering], activation))


def _response(snapshot: ServingSnapshot, outcome: _Outcome) -> rpb.ResolveChannelResponse:
    trace = None if outcome.handoff is None else _trace(
        snapshot.squads[outcome.target_id], (outcome.handoff, outcome.answering))
    return rpb.ResolveChannelResponse(
        agent=build_agent(snapshot.agents[outcome.answering], outcome.matched),
        served_from=snapshot.served_from, squad=trace)


def channel_answer(snapshot: ServingSnapshot, kind: str, target_id: str,
                   request: rpb.ConversationContext, channel_id: str, channel_type: str,
                   current_agent_id: str = "") -> rpb.ResolveChannelResponse:
    """The full response for a channel. Conditions read only a few context variables, so
    the answer is memoised per snapshot by their values: a context seen before (same tags,
    locale, channel, ...) costs a lookup. A new one converts only those variables,
    evaluates the conditions (most in Python: agentconfig/cel_subset.py) and reuses the
    response prebuilt for the same outcome. The returned message is shared: callers must
    not modify it."""
    names = snapshot.condition_variables
    values = context_key(request, names, channel_id, channel_type)
    key = (kind, target_id, current_agent_id, *values)
    memo = snapshot.memo
    cached = memo.get(key)
    if cached is not None:
        return cached
    activation = Activation(context_values(request, names, values), typed=True)
    outcome = _outcome(snapshot, kind, target_id, activation, current_agent_id)
    answer = memo.get(outcome) or _response(snapshot, outcome)
    if len(memo) >= MAX_MEMO:
        memo.clear()
    memo[outcome] = answer
    if request.ByteSize() <= MAX_MEMO_KEY_CHARS or _chars(values) <= MAX_MEMO_KEY_CHARS:
        memo[key] = answer
    return answer
