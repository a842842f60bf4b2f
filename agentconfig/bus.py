"""What travels between the services besides gRPC: the notification contract, carried by
Redis in the real topology and by the in-process bus below in the embedded mode. The config
service publishes, the runtime subscribes; neither imports the other, both import this.

The Redis keys and channels:
  HASH   agentconfig:production:<ws>        {version, hash}; only ever moves forward
  PUBSUB agentconfig:production             JSON {workspace_id, version, content_hash}
  PUBSUB agentconfig:channels               JSON {workspace_id}: bindings changed
  PUBSUB agentconfig:keys                   JSON {key_id}: a key was revoked
  STRING agentconfig:rollout:<ws>:<replica> JSON {replica_id, version, content_hash,
                                            load_time, report_time}, set by each runtime
                                            replica with a TTL
  ZSET   agentconfig:rollout:<ws>           replica ids scored by report time (epoch s), so
                                            a reader finds a workspace's reports without
                                            scanning the keyspace
  STRING agentconfig:conversation:<ws>:<id> JSON {w, c, v, h, a, n, t}: a conversation's
                                            state (workspace, id, pinned version and its
                                            hash, current agent, turns, last turn in epoch
                                            s), written by the runtime replica that answered
                                            its last turn, expiring after the idle timeout;
                                            created with a get-or-set script so replicas
                                            starting it at once agree on one pin
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

PRODUCTION_KEY = "agentconfig:production:{}"
NOTIFY_CHANNEL = "agentconfig:production"
CHANNELS_CHANNEL = "agentconfig:channels"
KEYS_CHANNEL = "agentconfig:keys"
ROLLOUT_KEY = "agentconfig:rollout:{}:{}"
ROLLOUT_INDEX = "agentconfig:rollout:{}"
CONVERSATION_KEY = "agentconfig:conversation:{}:{}"  # workspace ids hold no ":"

MAX_VERSION = 2**31 - 1  # versions are int32 on the wire
_WORKSPACE = re.compile(r"[a-z][a-z0-9-]{1,62}")
_HASH = re.compile(r"[0-9a-f]{64}")


class MalformedNotice(ValueError):
    """A notice or pointer that no config service could have written: anyone who can
    publish on the channel can send one, so it is refused before it reaches the loader."""


@dataclass(frozen=True)
class ProductionMove:
    workspace_id: str
    version: int
    content_hash: str

    def to_json(self) -> str:
        return json.dumps({"workspace_id": self.workspace_id, "version": self.version,
                           "content_hash": self.content_hash})

    @classmethod
    def checked(cls, workspace_id: object, version: object, content_hash: object,
                ) -> ProductionMove:
        """A move built from outside data, refused (MalformedNotice) unless every field has
        the shape the config service gives it."""
        if not isinstance(workspace_id, str) or not _WORKSPACE.fullmatch(workspace_id):
            raise MalformedNotice("workspace_id is not a workspace id")
        if isinstance(version, bool) or not isinstance(version, int) \
                or not 1 <= version <= MAX_VERSION:
            raise MalformedNotice(f"version is not a whole number in 1..{MAX_VERSION}")
        if not isinstance(content_hash, str) or not _HASH.fullmatch(content_hash):
            raise MalformedNotice("content_hash is not a hex SHA-256")
        return cls(workspace_id, version, content_hash)

    @classmethod
    def from_json(cls, raw: str | bytes) -> ProductionMove:
        try:
            data = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise MalformedNotice(f"not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise MalformedNotice("not a JSON object")
        return cls.checked(data.get("workspace_id"), data.get("version"),
                           data.get("content_hash"))


MoveListener = Callable[[ProductionMove], None]
ChannelListener = Callable[[str], None]


class InProcessBus:
    def __init__(self) -> None:
        self.production: dict[str, ProductionMove] = {}
        self.rollout: dict[tuple[str, str], dict[str, object]] = {}
        # CONVERSATION_KEY's values with their expiry (epoch s), as Redis would hold them
        self.conversations: dict[tuple[str, str], tuple[str, float]] = {}
        self._moves: list[MoveListener] = []
        self._channels: list[ChannelListener] = []
        self._revocations: list[Callable[[str], None]] = []

    def subscribe(self, on_move: MoveListener, on_channels: ChannelListener,
                  ) -> Callable[[], None]:
        self._moves.append(on_move)
        self._channels.append(on_channels)

        def unsubscribe() -> None:
            self._moves.remove(on_move)
            self._channels.remove(on_channels)

        return unsubscribe

    def move(self, move: ProductionMove) -> None:
        """Set the pointer (forward only) and notify, as the Redis script does."""
        current = self.production.get(move.workspace_id)
        if current is None or move.version > current.version:
            self.production[move.workspace_id] = move
        for listener in list(self._moves):
            listener(move)

    def channels_changed(self, workspace_id: str) -> None:
        for listener in list(self._channels):
            listener(workspace_id)

    def on_revocation(self, listener: Callable[[str], None]) -> None:
        self._revocations.append(listener)

    def key_revoked(self, key_id: str) -> None:
        for listener in list(self._revocations):
            listener(key_id)

    def report(self, workspace_id: str, replica_id: str, report: dict[str, object]) -> None:
        self.rollout[(workspace_id, replica_id)] = report
