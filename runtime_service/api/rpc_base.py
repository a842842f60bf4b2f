"""What every part of the RuntimeService servicer shares: its dependencies and small
request checks. The RPCs live in rpc_*.py by area; servicer.py assembles them into the one
servicer class."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import grpc
from google.protobuf import timestamp_pb2

from agentconfig.errors import invalid
from agentconfig.resolution.snapshot import ServingSnapshot
from runtime_service.domain.access import check_workspace
from runtime_service.service.chat import ChatService
from runtime_service.service.loader import Loader
from runtime_service.service.ports import ConversationLog, Recorder
from runtime_service.service.store import WorkspaceState
from runtime_service.service.test_runner import TestRunner

Ctx = grpc.aio.ServicerContext[Any, Any]


MAX_CONVERSATION_ID = 100


def required(value: str, field: str) -> None:
    if not value:
        raise invalid(field, "is required", "REQUIRED")


def check_conversation_id(value: str) -> str:
    """Recorded as live data: bounded and printable, so no request can poison the batch
    writer with a value the database refuses."""
    if len(value) > MAX_CONVERSATION_ID:
        raise invalid("conversation_id", f"is longer than {MAX_CONVERSATION_ID} characters",
                      "TOO_LONG")
    if not value.isprintable():
        raise invalid("conversation_id", "must be printable text", "BAD_ID")
    return value


def ts(value: datetime) -> timestamp_pb2.Timestamp:
    out = timestamp_pb2.Timestamp()
    out.FromDatetime(value)
    return out


class RpcBase:
    def __init__(self, loader: Loader, chat: ChatService, recorder: Recorder,
                 conversation_log: ConversationLog | None = None, *,
                 tests: TestRunner | None = None) -> None:
        self._loader = loader
        self._tests = tests  # RunTests (rpc_tests.py)
        self._chat = chat
        self._recorder = recorder
        self._conversation_log = conversation_log
        self._conversations = loader.conversations
        self._store = loader.store

    async def _production(self, workspace_id: str) -> tuple[WorkspaceState, ServingSnapshot]:
        """The workspace's production state and snapshot (a conversation's pin is chosen
        from there: rpc_production.py)."""
        check_workspace(workspace_id)
        state = self._store.get(workspace_id)
        if state is None or state.current is None:  # first use: the only await with I/O
            required(workspace_id, "workspace_id")
            state = await self._loader.ensure(workspace_id)
        return state, state.current  # type: ignore[return-value]

