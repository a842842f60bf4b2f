"""Issue 9, conversations (on fakes): a conversation keeps the version it started on until
idle, whichever replica answers; the pin and a squad's current speaker are found in the
order token > this replica's memory > the shared record > new; "latest" always follows
Production; a hand-off lasts until a rule hands over again."""

from __future__ import annotations

import pytest

from agentconfig.errors import InvalidArgument
from agentconfig.resolution.resolve import channel_answer
from agentconfig.resolution.snapshot import ServingSnapshot, build
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.domain.conversation import ConversationState
from runtime_service.domain.conversation_token import TokenSigner
from runtime_service.service.conversations import LATEST, Conversations
from runtime_service.service.ports import ConversationRecords
from runtime_service.service.store import WorkspaceState
from tests.unit.test_runtime_resolve import ENTITIES, snapshot

V1, V2 = (build(snapshot(ENTITIES, n), production=True) for n in (1, 2))
SIGNER = TokenSigner([b"shared"])
PINNED, PRODUCTION = rpb.SERVE_REASON_PINNED, rpb.SERVE_REASON_PRODUCTION


class FakeRecords(ConversationRecords):
    """The shared record as a dict; counts what the read path asks of it."""

    def __init__(self) -> None:
        self.records: dict[tuple[str, str], ConversationState] = {}
        self.claims = 0
        self.down = False

    async def claim(self, state: ConversationState, ttl: float) -> ConversationState:
        self.claims += 1
        if self.down:
            raise ConnectionError("records down")
        return self.records.setdefault((state.workspace_id, state.conversation_id), state)

    async def put(self, states: list[ConversationState], ttl: float) -> None:
        if self.down:
            raise ConnectionError("records down")
        for state in states:
            self.records[(state.workspace_id, state.conversation_id)] = state


def _state(*snapshots: ServingSnapshot) -> WorkspaceState:
    state = WorkspaceState("ws")
    for s in snapshots:
        state.swap(s)
    return state


def _replica(records: FakeRecords | None = None, **kw: object) -> Conversations:
    conversations = Conversations(60, records=records, signer=SIGNER, **kw)  # type: ignore[arg-type]

    async def load(ws: str, version: int, content_hash: str) -> ServingSnapshot | None:
        assert content_hash == {1: V1, 2: V2}[version].content_hash
        return {1: V1, 2: V2}[version]

    conversations.load_version = load
    return conversations


async def _turn(conversations: Conversations, state: WorkspaceState, cid: str = "c",
                token: str = "", now: float = 0, agent: str = "support",
                ) -> tuple[rpb.ServedFrom, ConversationState, str]:
    opened = await conversations.start_turn(state, cid, token, now)
    after, signed = conversations.end_turn(opened, agent, now)
    return opened.served_from, after, signed


async def test_pinned_until_idle_then_it_starts_over() -> None:
    conversations, state = _replica(), _state(V1)
    served, after, _ = await _turn(conversations, state, now=0, agent="billing")
    assert (served.version, served.reason, after.turns, after.version) == (1, PINNED, 1, 1)
    state.swap(V2)
    for now in (30, 80):  # 50 s after the last turn: still pinned
        served, after, _ = await _turn(conversations, state, now=now, agent="billing")
        assert (served.version, served.reason) == (1, PINNED)
    assert (after.turns, after.current_agent_id) == (3, "billing")
    served, after, _ = await _turn(conversations, state, now=200)  # idle: starts over
    assert (served.version, after.turns, after.version) == (2, 1, 2)
    assert (await _turn(conversations, state, "new", now=200))[0].version == 2


async def test_latest_follows_production_and_keeps_the_speaker() -> None:
    conversations, state = _replica(policies={"ws": LATEST}), _state(V1)
    await _turn(conversations, state, agent="billing")
    state.swap(V2)
    served, after, _ = await _turn(conversations, state, now=1, agent="billing")
    assert (served.version, served.reason, after.version) == (2, PRODUCTION, 0)
    opened = await conversations.start_turn(state, "c", "", 2)
    assert opened.state.current_agent_id == "billing"


async def test_lookup_order_token_then_memory_then_shared_record_then_new() -> None:
    records = FakeRecords()
    a, b = _replica(records), _replica(records)
    state_a, state_b = _state(V1), _state(V1)
    _, _, token = await _turn(a, state_a, agent="billing")  # new: the record is claimed
    assert records.claims == 1 and records.records[("ws", "c")].version == 1
    await a.flush()
    assert records.records[("ws", "c")].current_agent_id == "billing"
    # memory: no I/O at all
    opened = await a.start_turn(state_a, "c", "", 1)
    assert records.claims == 1 and opened.state.current_agent_id == "billing"
    # the token wins over memory (a gateway's newer view)
    newer = SIGNER.sign(ConversationState("ws", "c", 1, V1.content_hash, "sales", 5, 1))
    assert (await a.start_turn(state_a, "c", newer, 1)).state.current_agent_id == "sales"
    # a replica that never saw it reads the shared record once, then its memory
    state_b.swap(V2)
    served, after, _ = await _turn(b, state_b, now=2, agent="billing")
    assert (served.version, after.turns, records.claims) == (1, 2, 2)
    await _turn(b, state_b, now=3)
    assert records.claims == 2
    # with the token, b needs neither
    served, after, _ = await _turn(b, _state(V2), token=token, now=4)
    assert (served.version, after.turns, records.claims) == (1, 2, 2)


async def test_a_pinned_version_that_cannot_be_had_answers_from_production() -> None:
    conversations, state = _replica(), _state(V2)

    async def unavailable(ws: str, version: int, content_hash: str) -> None:
        return None

    conversations.load_version = unavailable
    token = SIGNER.sign(ConversationState("ws", "c", 1, V1.content_hash, "", 1, 0))
    opened = await conversations.start_turn(state, "c", token, 1)
    assert (opened.snapshot.version, opened.served_from.reason) == (2, PRODUCTION)
    after, _ = conversations.end_turn(opened, "support", 1)
    assert after.version == 1  # the pin stays: the next turn tries again


async def test_a_bad_token_is_refused_and_changes_nothing() -> None:
    records = FakeRecords()
    conversations = _replica(records)
    with pytest.raises(InvalidArgument):
        await conversations.start_turn(_state(V1), "c", "c1.bad.token", 0)
    other = SIGNER.sign(ConversationState("ws", "other", 1, V1.content_hash, "", 1, 0))
    with pytest.raises(InvalidArgument):
        await conversations.start_turn(_state(V1), "c", other, 0)
    assert records.claims == 0 and not records.records


async def test_a_hand_off_lasts_until_a_rule_hands_over_again() -> None:
    conversations, state = _replica(), _state(V1)
    speakers = []
    for now, message in enumerate(("hello", "my invoice please", "thanks", "what price?")):
        opened = await conversations.start_turn(state, "c", "", now)
        answer = channel_answer(opened.snapshot, "squad", "desk",
                                rpb.ConversationContext(message=message), "web", "web_widget",
                                opened.state.current_agent_id)
        conversations.end_turn(opened, answer.agent.agent_id, now)
        speakers.append((answer.agent.agent_id, answer.squad.handoff_rule_index))
    # rule 1 (support -> sales) does not apply from billing
    assert speakers == [("support", -1), ("billing", 0), ("billing", -1), ("billing", -1)]


async def test_records_down_new_conversations_start_from_production_without_waiting() -> None:
    records = FakeRecords()
    records.down = True
    conversations, state = _replica(records), _state(V1)
    served, after, _ = await _turn(conversations, state, "c1")
    assert (served.version, after.turns) == (1, 1)
    await conversations.flush()  # the write fails quietly
    await _turn(conversations, state, "c2")
    assert records.claims == 1  # paused after the failure
    records.down = False


async def test_writes_are_coalesced_and_bounded() -> None:
    records = FakeRecords()
    conversations, state = _replica(records, max_pending=2), _state(V1)
    for cid in ("a", "b", "c", "a", "a"):
        await _turn(conversations, state, cid)
    await conversations.flush()  # one write per conversation; "c" found no room
    assert records.records[("ws", "a")].turns == 3
    assert records.records[("ws", "c")].turns == 0  # as claimed by its first turn
    assert conversations._shared.dropped == 1


async def test_versions_in_use_stay_loadable_and_memory_is_bounded() -> None:
    conversations, state = _replica(), _state(V1)
    await _turn(conversations, state, now=0)
    state.swap(V2)
    state.keep_only(conversations.in_use(10).get("ws", set()))
    assert set(state.versions) == {1, 2}
    conversations.sweep(100)
    state.keep_only(conversations.in_use(100).get("ws", set()))
    assert set(state.versions) == {2}

    small = _replica(max_entries=10)
    for i in range(100):
        await _turn(small, state, f"c{i}")
    assert len(small._memory) == 10
