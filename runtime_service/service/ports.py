"""What the runtime needs from the outside, as small interfaces; adapters implement them."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from agentconfig.bus import ProductionMove
from agentconfig.errors import FailedPrecondition
from agentconfig.rollout_guards import OutcomeCounts
from agentconfig.rollouts import RolloutState
from agentconfig.v1 import entities_pb2 as pb
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import testing_pb2 as tpb
from runtime_service.domain.access import KeyInfo
from runtime_service.domain.conversation import ConversationState
from runtime_service.domain.snapshot_delta import Delta


@dataclass(frozen=True)
class ChannelBinding:
    channel_id: str
    type: str  # whatsapp | instagram | web_widget | api
    target_kind: str  # agent | squad
    target_id: str


@dataclass(frozen=True)
class WorkspaceSettings:
    """What the runtime reads of a workspace's settings (live data, read per use)."""

    # Tool ids and MCP server ids the internal chat may call for real (default: none).
    live_tool_ids: frozenset[str] = frozenset()


class ConfigSource(abc.ABC):
    """The config service, reached over gRPC. Errors are agentconfig.errors: NotFound for
    an unknown workspace or version, Unavailable when it cannot be reached."""

    @abc.abstractmethod
    async def production(self, workspace_id: str) -> pb.Snapshot: ...
    @abc.abstractmethod
    async def version(self, workspace_id: str, number: int) -> pb.Snapshot: ...
    async def changes(self, workspace_id: str, old: int, new: int) -> Delta:
        """What changed from version ``old`` to ``new`` (a delta reload). Any error sends
        the loader to a full load; a source that cannot tell refuses every delta."""
        raise FailedPrecondition("this source serves no deltas", reason="NO_DELTAS")
    @abc.abstractmethod
    async def draft(self, workspace_id: str, known_revision: int = 0) -> pb.Snapshot | None:
        """The Draft, or None when it is still at ``known_revision`` (> 0), the revision of
        the Draft the caller holds. A source that cannot tell always sends the Draft."""
    @abc.abstractmethod
    async def channels(self, workspace_id: str) -> list[ChannelBinding]: ...
    @abc.abstractmethod
    async def key(self, key_id: str) -> KeyInfo:
        """An API key's record (NotFound when there is none)."""
    async def workspace_settings(self, workspace_id: str) -> WorkspaceSettings:
        """The workspace's settings; a source that cannot tell allows nothing live."""
        return WorkspaceSettings()
    async def rollout(self, workspace_id: str) -> RolloutState | None:
        """The workspace's latest staged rollout (active or ended), None if it never had
        one. A source that knows no rollouts (the tests' fakes) has none."""
        return None

    async def report_outcomes(self, workspace_id: str, rollout_id: str, reporter: str,
                              counts: list[tuple[int, OutcomeCounts]]) -> None:
        """Forward a rollout's cumulative outcome counts per version (ReportOutcomeCounts).
        A source that knows no rollouts drops them."""
        return None

    async def reconnect(self) -> None:
        """Called after calls failed: renew the connection if it is waiting out a backoff."""
        return None
    async def close(self) -> None:
        return None


CallerMetadata = tuple[tuple[str, str], ...]  # what a caller presented: its bearer key


class SuiteStore(abc.ABC):
    """The config service's test cases and runs, reached with the RunTests caller's own
    key (``caller``), so a run reads and stores exactly what that caller may. Refusals are
    the caller's (PermissionDenied, InvalidArgument ...); Unavailable when unreachable."""

    @abc.abstractmethod
    async def test_cases(self, workspace_id: str, caller: CallerMetadata,
                         ) -> list[tpb.TestCase]: ...
    @abc.abstractmethod
    async def draft(self, workspace_id: str, caller: CallerMetadata) -> pb.Snapshot:
        """The Draft's content, with its revision and hash."""
    @abc.abstractmethod
    async def version_head(self, workspace_id: str, number: int, caller: CallerMetadata,
                           ) -> tuple[int, str]:
        """A version's number and content hash; number 0: Production's."""
    @abc.abstractmethod
    async def store_run(self, workspace_id: str, run: tpb.TestRun, caller: CallerMetadata,
                        ) -> tpb.TestRun: ...


OnMove = Callable[[ProductionMove], None]
OnChannels = Callable[[str], None]
OnReconnect = Callable[[], None]
OnRevoked = Callable[[str], None]


class Notifications(abc.ABC):
    """Redis in the real topology, the in-process bus in the embedded mode."""

    connected: bool = False

    on_revoked: OnRevoked | None = None  # set by the bootstrap: drops a key from the cache

    @abc.abstractmethod
    async def run(self, on_move: OnMove, on_channels: OnChannels,
                  on_reconnect: OnReconnect) -> None:
        """Deliver notifications until cancelled, re-subscribing after any disconnect, and
        call on_reconnect each time a subscription starts (so a reconcile repairs whatever
        moved while there was none)."""
    @abc.abstractmethod
    async def pointer(self, workspace_id: str) -> ProductionMove | None:
        """The production pointer as the notifier holds it (for the reconcile)."""
    @abc.abstractmethod
    async def report(self, workspace_id: str, report: dict[str, object], ttl: float) -> None:
        """Publish what this replica serves, expiring after ttl seconds."""
    async def close(self) -> None:
        return None


class RolloutArchive(abc.ABC):
    """The rollout states served by, on disk (a restart assigns conversations as before)."""

    @abc.abstractmethod
    def save(self, states: dict[str, RolloutState]) -> None: ...
    @abc.abstractmethod
    def load(self) -> dict[str, RolloutState]: ...


class SnapshotCache(abc.ABC):
    """Last-known-good snapshots (and the channel bindings that go with them) on disk."""

    @abc.abstractmethod
    def save(self, snapshot: pb.Snapshot) -> None: ...
    @abc.abstractmethod
    def load(self, workspace_id: str) -> pb.Snapshot | None: ...
    @abc.abstractmethod
    def save_channels(self, workspace_id: str, channels: list[ChannelBinding]) -> None: ...
    @abc.abstractmethod
    def load_channels(self, workspace_id: str) -> list[ChannelBinding]: ...
    @abc.abstractmethod
    def workspaces(self) -> list[str]: ...


@dataclass(frozen=True)
class VerifiedKey:
    info: KeyInfo
    verified_at: float  # epoch seconds when the config service last confirmed the record


class KeyArchive(abc.ABC):
    """The key records a replica has verified, kept beside its snapshots so it can check
    callers while the config service is down. Digests only: never a key."""

    @abc.abstractmethod
    def save(self, keys: list[VerifiedKey]) -> None:
        """Replace the kept records, atomically."""
    @abc.abstractmethod
    def load(self) -> list[VerifiedKey]:
        """The kept records, or none when the copy is missing or does not verify."""


MAX_TURN_TEXT = 16_000  # characters of a turn's message or reply that are recorded


@dataclass(frozen=True)
class Turn:
    """One answered turn: live data, recorded off the hot path."""

    conversation_id: str
    workspace_id: str
    channel_id: str  # "" for the internal chat
    source: str  # channel | chat
    agent_id: str
    version: int
    content_hash: str
    draft_revision: int
    at: datetime
    # What GetConversation shows of the turn; empty or default where unknown (a channel
    # turn has no reply: the gateway's model writes it). Texts at most MAX_TURN_TEXT.
    user_message: str = ""
    reply: str = ""
    handoff_rule_index: int = -1
    matched_conditional_prompt_ids: tuple[str, ...] = ()
    tool_calls: tuple[rpb.ToolInvocation, ...] = ()
    target_kind: str = ""  # agent | squad, for the internal chat
    target_id: str = ""
    current_agent_id: str = ""  # a squad's speaker after this turn
    reason: int = 0  # rpb.ServeReason; UNSPECIFIED reads as CHAT for chat turns
    # The context a chat turn ran with (what a test case saved from it replays); None for
    # channel turns and turns recorded before it was kept.
    context: rpb.ConversationContext | None = None


class Recorder(abc.ABC):
    @abc.abstractmethod
    def record(self, turn: Turn) -> None:
        """Must not block or raise: it is called on the read path."""
    async def flush(self) -> None:
        return None
    async def close(self) -> None:
        return None



class ConversationRecords(abc.ABC):
    """The shared record of each conversation's state, keyed by (workspace, conversation
    id), so a replica that never saw a conversation (or restarted) reads it as the others
    do. Redis in the real topology, the in-process bus in the embedded mode. Records expire
    ``ttl`` seconds after their last write: the conversation's idle timeout."""

    @abc.abstractmethod
    async def claim(self, state: ConversationState, ttl: float) -> ConversationState:
        """The record of ``state``'s conversation if there is one, else ``state``, written
        as the record (atomically: two replicas starting the same conversation at once
        agree on one). A record that does not read back is replaced by ``state``."""
    @abc.abstractmethod
    async def put(self, states: list[ConversationState], ttl: float) -> None:
        """Overwrite the records of these conversations."""
    async def close(self) -> None:
        return None


@dataclass(frozen=True)
class ConversationQuery:
    """A page of ListConversations: newest first (start time, then id, descending)."""

    workspace_id: str
    limit: int
    channel_id: str = ""
    agent_id: str = ""  # conversations in which this agent answered a turn
    version: int = 0  # conversations that started on this version
    source: str = ""  # channel | chat | "" (both)
    after: tuple[int, str] | None = None  # (start time in epoch microseconds, id) seen last


class ConversationLog(abc.ABC):
    """Recorded conversations (live data), read back and aged out."""

    @abc.abstractmethod
    async def page(self, query: ConversationQuery) -> list[rpb.Conversation]:
        """At most ``query.limit`` conversations, without their turns."""
    @abc.abstractmethod
    async def get(self, workspace_id: str, conversation_id: str) -> rpb.Conversation | None:
        """The conversation with every turn, oldest first."""
    @abc.abstractmethod
    async def delete_before(self, cutoff: datetime) -> int:
        """Delete conversations whose last turn is older than ``cutoff``, and their turns;
        how many conversations went."""
