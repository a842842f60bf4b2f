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
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

PRODUCTION_KEY = "agentconfig:production:{}"
NOTIFY_CHANNEL = "agentconfig:production"
CHANNELS_CHANNEL = "agentconfig:channels"
KEYS_CHANNEL = "agentconfig:keys"
ROLLOUT_KEY = "agentconfig:rollout:{}:{}"
ROLLOUT_INDEX = "agentconfig:rollout:{}"


@dataclass(frozen=True)
class ProductionMove:
    workspace_id: str
    version: int
    content_hash: str

    def to_json(self) -> str:
        return json.dumps({"workspace_id": self.workspace_id, "version": self.version,
                           "content_hash": self.content_hash})

    @classmethod
    def from_json(cls, raw: str | bytes) -> ProductionMove:
        data = json.loads(raw)
        return cls(str(data["workspace_id"]), int(data["version"]), str(data["content_hash"]))


MoveListener = Callable[[ProductionMove], None]
ChannelListener = Callable[[str], None]


class InProcessBus:
    def __init__(self) -> None:
        self.production: dict[str, ProductionMove] = {}
        self.rollout: dict[tuple[str, str], dict[str, object]] = {}
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
