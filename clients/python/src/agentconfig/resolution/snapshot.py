"""An immutable, verified, pre-digested snapshot: everything the read path needs is
computed once at load (entities by id, each agent's referenced entities, compiled
conditions), so answering a request is lookups and condition evaluation only.

A snapshot whose recomputed hash differs from the one it claims (or the one announced) is
refused: the runtime never serves content it cannot verify.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from agentconfig.canonical import entity_hash, snapshot_hash
from agentconfig.conditions import Condition, ConditionError, compile_condition
from agentconfig.kinds import entity_to_parts
from agentconfig.resolution.manifest import Manifest
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb

Key = tuple[str, str]  # the same as manifest.Key


class SnapshotCorrupt(ValueError):
    """The content does not hash to what it claims."""


@dataclass(frozen=True)
class PreparedPrompt:
    prompt_id: str
    condition: Condition | None  # None: the condition does not compile (Draft only)
    text: str
    priority: int


@dataclass(frozen=True)
class PreparedAgent:
    agent_id: str
    static: rpb.ResolvedAgent  # everything but the context-dependent parts
    prompts: tuple[PreparedPrompt, ...]
    # every key it names (present or not): a delta touching one of them rebuilds it
    refs: frozenset[Key] = frozenset()


@dataclass(frozen=True)
class PreparedRule:
    index: int
    from_agent_id: str
    to_agent_id: str
    condition: Condition | None


@dataclass(frozen=True)
class PreparedSquad:
    squad_id: str
    entry_agent_id: str
    members: frozenset[str]
    rules: tuple[PreparedRule, ...]


@dataclass(frozen=True)
class ServingSnapshot:
    workspace_id: str
    version: int
    draft_revision: int
    content_hash: str
    entities: Mapping[Key, pb.Entity]
    hashes: Mapping[Key, str]  # the manifest: key -> entity content hash
    manifest: Manifest  # the same, kept ready for re-hashing after a delta
    agents: Mapping[str, PreparedAgent]
    squads: Mapping[str, PreparedSquad]
    loaded_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # resolve.channel_answer's memo: answers by the context values the conditions read
    memo: dict[tuple[object, ...], rpb.ResolveChannelResponse] = field(default_factory=dict)
    # built by the loader for channels (served_from says PRODUCTION); otherwise the
    # internal chat's (CHAT)
    production: bool = False

    @cached_property
    def proto(self) -> pb.Snapshot:
        """The snapshot as the config service sends it (for the disk copy and
        GetProductionSnapshot); a full load seeds it with what it received, a delta
        reload's is assembled on first use, off the read path."""
        built = pb.Snapshot(workspace_id=self.workspace_id, version=self.version,
                            draft_revision=self.draft_revision, content_hash=self.content_hash)
        keys = self.manifest.keys  # sorted
        for start in range(0, len(keys), 256):  # short C calls: other threads get the GIL
            built.entities.extend([self.entities[k] for k in keys[start:start + 256]])
        return built

    @cached_property
    def condition_variables(self) -> tuple[str, ...]:
        """Every context variable any condition of this snapshot reads, sorted."""
        names: set[str] = set()
        for agent in self.agents.values():
            for prompt in agent.prompts:
                if prompt.condition is not None:
                    names |= prompt.condition.variables
        for squad in self.squads.values():
            for rule in squad.rules:
                if rule.condition is not None:
                    names |= rule.condition.variables
        return tuple(sorted(names))

    @cached_property
    def served_from(self) -> rpb.ServedFrom:
        return rpb.ServedFrom(workspace_id=self.workspace_id, version=self.version,
                              content_hash=self.content_hash,
                              draft_revision=self.draft_revision,
                              reason=rpb.SERVE_REASON_PRODUCTION if self.production
                              else rpb.SERVE_REASON_CHAT)

    @cached_property
    def pinned_from(self) -> rpb.ServedFrom:
        """served_from of a turn answered from its conversation's pin."""
        return rpb.ServedFrom(workspace_id=self.workspace_id, version=self.version,
                              content_hash=self.content_hash, reason=rpb.SERVE_REASON_PINNED)


def hashed(entity: pb.Entity) -> tuple[Key, str]:
    """An entity's key and the content hash recomputed from its body."""
    parts = entity_to_parts(entity)
    if parts is None:
        raise SnapshotCorrupt(f"entity {entity.id!r} has no spec")
    kind, entity_id, spec = parts
    return (kind.name, entity_id), entity_hash(kind.name, entity_id, spec)


def check_hash(hashes: Mapping[Key, str], *claims: str) -> None:
    """Raise unless the manifest hashes to every non-empty claim (and there is one)."""
    actual = snapshot_hash((kind, entity_id, h) for (kind, entity_id), h in hashes.items())
    for claimed in claims:
        if claimed and claimed != actual:
            raise SnapshotCorrupt(f"content hashes to {actual[:12]}, not {claimed[:12]}")
    if not any(claims):
        raise SnapshotCorrupt("snapshot carries no content hash")


def verify(snapshot: pb.Snapshot, expected_hash: str = "",
           ) -> tuple[dict[Key, pb.Entity], dict[Key, str]]:
    """The entities and their hashes by key, once the hash over them matches what is
    claimed."""
    entities: dict[Key, pb.Entity] = {}
    hashes: dict[Key, str] = {}
    for entity in snapshot.entities:
        key, hashes[key] = hashed(entity)
        entities[key] = entity
    if not snapshot.content_hash:
        raise SnapshotCorrupt("snapshot carries no content hash")
    check_hash(hashes, snapshot.content_hash, expected_hash)
    return entities, hashes


def _condition(source: str) -> Condition | None:
    try:
        return compile_condition(source)
    except ConditionError:
        return None


def prepare_agent(agent_id: str, entity: pb.Entity, entities: Mapping[Key, pb.Entity],
                  ) -> PreparedAgent:
    agent = entity.agent

    def refs(kind: str, ids: list[str]) -> list[pb.Entity]:
        return [entities[(kind, i)] for i in ids if (kind, i) in entities]

    static = rpb.ResolvedAgent(
        agent_id=agent_id, agent=agent, effective_instructions=agent.instructions,
        tools=refs("tool", list(agent.tool_ids)),
        mcp_servers=refs("mcp_server", list(agent.mcp_server_ids)),
        components=refs("component", list(agent.component_ids)))
    if agent.voice_id and ("voice", agent.voice_id) in entities:
        static.voice.CopyFrom(entities[("voice", agent.voice_id)])
    prompts = [PreparedPrompt(e.id, _condition(e.conditional_prompt.condition),
                              e.conditional_prompt.prompt, e.conditional_prompt.priority)
               for e in refs("conditional_prompt", list(agent.conditional_prompt_ids))]
    prompts.sort(key=lambda p: (-p.priority, p.prompt_id))
    return PreparedAgent(agent_id, static, tuple(prompts), _refs(agent))


def _refs(agent: pb.Agent) -> frozenset[Key]:
    refs = {("voice", agent.voice_id)} if agent.voice_id else set()
    for kind, ids in (("tool", agent.tool_ids), ("mcp_server", agent.mcp_server_ids),
                      ("component", agent.component_ids),
                      ("conditional_prompt", agent.conditional_prompt_ids)):
        refs.update((kind, i) for i in ids)
    return frozenset(refs)


def prepare_squad(squad_id: str, squad: pb.Squad) -> PreparedSquad:
    rules = tuple(PreparedRule(i, r.from_agent_id, r.to_agent_id, _condition(r.condition))
                  for i, r in enumerate(squad.handoff_rules))
    return PreparedSquad(squad_id, squad.entry_agent_id, frozenset(squad.member_agent_ids),
                         rules)


def build(snapshot: pb.Snapshot, expected_hash: str = "", *, production: bool = False,
          ) -> ServingSnapshot:
    """Verify, then pre-digest. Raises SnapshotCorrupt. ``production``: built to answer
    channels (the loader), not the internal chat."""
    entities, hashes = verify(snapshot, expected_hash)
    agents = {i: prepare_agent(i, e, entities) for (k, i), e in entities.items()
              if k == "agent"}
    squads = {i: prepare_squad(i, e.squad) for (k, i), e in entities.items() if k == "squad"}
    serving = ServingSnapshot(snapshot.workspace_id, snapshot.version, snapshot.draft_revision,
                              snapshot.content_hash, entities, hashes,
                              Manifest.of(hashes, snapshot.content_hash), agents, squads,
                              production=production)
    serving.__dict__["proto"] = snapshot  # seeds the cached property: no second copy
    return serving
