"""Issue 9, conversations readable (on the in-memory log a runtime without a database
keeps): newest first, filtered, paged with tokens bound to their query; every turn with
what it showed; aged out by the retention sweep; bounded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from agentconfig.errors import InvalidArgument, NotFound
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.adapters.memory_log import MemoryConversationLog
from runtime_service.service.conversation_reads import (
    ListRequest,
    get_conversation,
    list_conversations,
)
from runtime_service.service.ports import ConversationLog, Turn

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def turn(cid: str, minute: int, agent: str = "support", ws: str = "ws", *,
         channel_id: str = "web", source: str = "channel", version: int = 1, **kw: Any,
         ) -> Turn:
    return Turn(cid, ws, channel_id, source, agent, version, "h" * 64, 0,
                T0 + timedelta(minutes=minute), **kw)


def seeded() -> MemoryConversationLog:
    log = MemoryConversationLog()
    for i in range(7):  # c0 (oldest) .. c6 (newest), two turns each
        log.record(turn(f"c{i}", i, version=1 + i % 2, channel_id="web" if i % 3 else "wa"))
        log.record(turn(f"c{i}", i + 10, agent="billing" if i == 4 else "support"))
    log.record(turn("chat-1", 20, source="chat", channel_id="", version=0,
                    target_kind="squad", target_id="desk"))
    log.record(turn("x", 30, ws="other"))
    return log


async def _ids(log: ConversationLog, **kw: Any) -> list[str]:
    found, _ = await list_conversations(log, ListRequest("ws", **kw))
    return [c.conversation_id for c in found]


async def test_newest_first_and_filtered() -> None:
    log = seeded()
    assert await _ids(log) == ["chat-1", "c6", "c5", "c4", "c3", "c2", "c1", "c0"]
    assert await _ids(log, channel_id="wa") == ["c6", "c3", "c0"]
    assert await _ids(log, version=2) == ["c5", "c3", "c1"]
    assert await _ids(log, agent_id="billing") == ["c4"]
    assert await _ids(log, source="chat") == ["chat-1"]
    assert await _ids(log, source="channel", channel_id="wa", version=1) == ["c6", "c0"]


async def test_pages_cover_everything_once_and_tokens_are_bound_to_their_query() -> None:
    log = seeded()
    seen, token = [], ""
    while True:
        page, token = await list_conversations(log, ListRequest("ws", page_size=3,
                                                                page_token=token))
        seen += [c.conversation_id for c in page]
        if not token:
            break
    assert seen == await _ids(log)
    _, token = await list_conversations(log, ListRequest("ws", page_size=3))
    for wrong in (ListRequest("ws", channel_id="wa", page_token=token),
                  ListRequest("other", page_token=token),
                  ListRequest("ws", page_token=token[:-2]),
                  ListRequest("ws", page_token="not-a-token")):
        with pytest.raises(InvalidArgument) as refused:
            await list_conversations(log, wrong)
        assert refused.value.violations[0].field == "page_token"
    with pytest.raises(InvalidArgument) as refused:
        await list_conversations(log, ListRequest("ws", page_size=-1))
    assert refused.value.violations[0].field == "page_size"
    assert len((await list_conversations(log, ListRequest("ws", page_size=10_000)))[0]) == 8


async def test_a_conversation_with_every_turn() -> None:
    log = seeded()
    log.record(turn("c4", 40, agent="billing", user_message="my invoice", reply="",
                    handoff_rule_index=0, matched_conditional_prompt_ids=("vip",),
                    current_agent_id="billing", reason=rpb.SERVE_REASON_PINNED))
    found = await get_conversation(log, "ws", "c4")
    assert (found.turn_count, found.current_agent_id, found.version) == (3, "billing", 1)
    assert found.source == rpb.CONVERSATION_SOURCE_CHANNEL and found.channel_id == "web"
    assert [t.index for t in found.turns] == [1, 2, 3]
    last = found.turns[-1]
    assert (last.user_message, last.handoff_rule_index, list(last.matched_conditional_prompt_ids),
            last.served_from.reason) == ("my invoice", 0, ["vip"], rpb.SERVE_REASON_PINNED)
    chat = await get_conversation(log, "ws", "chat-1")
    assert chat.turns[0].served_from.reason == rpb.SERVE_REASON_CHAT
    assert chat.target_id == "desk"
    for ws, cid in (("ws", "nope"), ("other", "c4")):
        with pytest.raises(NotFound) as missing:
            await get_conversation(log, ws, cid)
        assert missing.value.reason == "CONVERSATION_NOT_FOUND"


async def test_retention_and_bounds() -> None:
    log = seeded()
    assert await log.delete_before(T0 + timedelta(minutes=14)) == 4  # c0..c3
    assert await _ids(log) == ["chat-1", "c6", "c5", "c4"]
    small = MemoryConversationLog(max_conversations=3, max_turns=2)
    for i in range(5):
        small.record(turn(f"c{i}", i))
    for minute in range(5, 10):
        small.record(turn("c4", minute, user_message=f"m{minute}"))
    assert await _ids(small) == ["c4", "c3", "c2"]
    kept = await get_conversation(small, "ws", "c4")
    assert kept.turn_count == 6
    assert [(t.index, t.user_message) for t in kept.turns] == [(5, "m8"), (6, "m9")]
