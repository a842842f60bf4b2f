"""Recorded conversations (live data) as the API reads them: a workspace's conversations
newest first, filtered and paged, one conversation with every turn; and their upkeep:
the retention sweep that ages them out, and the shared records written before a stop."""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from agentconfig.errors import NotFound
from agentconfig.tasks import cancel_and_wait
from agentconfig.v1 import runtime_service_pb2 as rpb
from runtime_service.domain import page_token
from runtime_service.service.conversations import Conversations
from runtime_service.service.ports import ConversationLog, ConversationQuery

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ListRequest:
    workspace_id: str
    channel_id: str = ""
    agent_id: str = ""
    version: int = 0
    source: str = ""  # channel | chat | "" (both)
    page_size: int = 0
    page_token: str = ""


def _cursor(found: rpb.Conversation) -> list[object]:
    start = found.start_time
    return [start.seconds * 1_000_000 + start.nanos // 1000, found.conversation_id]


async def list_conversations(conversations: ConversationLog, request: ListRequest,
                             ) -> tuple[list[rpb.Conversation], str]:
    """A page and the token of the next one ("" on the last page)."""
    size = page_token.page_size(request.page_size)
    query = [request.workspace_id, request.channel_id, request.agent_id, request.version,
             request.source]
    found = await conversations.page(ConversationQuery(
        request.workspace_id, size + 1, request.channel_id, request.agent_id,
        request.version, request.source, page_token.time_and_id(request.page_token, query)))
    if len(found) <= size:
        return found, ""
    return found[:size], page_token.encode(_cursor(found[size - 1]), query)


async def get_conversation(conversations: ConversationLog, workspace_id: str,
                           conversation_id: str) -> rpb.Conversation:
    found = await conversations.get(workspace_id, conversation_id)
    if found is None:
        raise NotFound(f"conversation {conversation_id!r} not found",
                       reason="CONVERSATION_NOT_FOUND")
    return found


async def keep_recent(conversations: ConversationLog, days: float,
                      every: float = 3600.0) -> None:
    """Until cancelled: delete conversations idle for more than ``days`` (and their turns),
    now and then every ``every`` seconds, jittered (every replica sweeps; the deletes are
    idempotent)."""
    while True:
        cutoff = datetime.now(UTC) - timedelta(days=days)
        try:
            deleted = await conversations.delete_before(cutoff)
            if deleted:
                log.info("retention: deleted %d conversations idle since %s", deleted,
                         cutoff.isoformat())
        except Exception as exc:
            log.warning("retention sweep failed (%s); will retry", exc)
        await asyncio.sleep(every * random.uniform(0.75, 1.0))


@dataclass
class Upkeep:
    conversations: Conversations
    log: ConversationLog
    retention_days: float
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self.retention_days > 0:
            self._task = asyncio.create_task(keep_recent(self.log, self.retention_days),
                                             name="conversation-retention")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        await self.conversations.close()
