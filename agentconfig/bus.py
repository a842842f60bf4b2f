"""What travels between the services besides gRPC: the notification contract, carried by
Redis in the real topology and by the in-process bus below in the embedded mode. The config
service publishes, the runtime subscribes; neither imports the other, both import this.

The Redis keys and channels:
  HASH   agentconfig:production:<ws>        {version, hash}; only ever moves forward
  PUBSUB agentconfig:production             JSON {workspace_id, version, content_hash}, and
                                            for a small change also {delta, signature}:
                                            the change from the version that was
                                            Production before (JSON text, see
                                            config_service/adapters/notice_deltas.py) and
                                            its HMAC-SHA256 under a key derived from the
                                            service credential, so a replica serving that
                                            version needs no fetch; unsigned or forged
                                            deltas are ignored (the replica fetches);
                                            with tracing on, also {traceparent}: the W3C
                                            trace context of the relay's delivery, outside
                                            the signature (docs/security.md); replicas
                                            that predate it ignore it
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

import hashlib
import hmac
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from agentconfig.tracing import valid_traceparent

PRODUCTION_KEY = "agentconfig:production:{}"
NOTIFY_CHANNEL = "agentconfig:production"
CHANNELS_CHANNEL = "agentconfig:channels"
KEYS_CHANNEL = "agentconfig:keys"
ROLLOUT_KEY = "agentconfig:rollout:{}:{}"
ROLLOUT_INDEX = "agentconfig:rollout:{}"
CONVERSATION_KEY = "agentconfig:conversation:{}:{}"  # workspace ids hold no ":"

MAX_VERSION = 2**31 - 1  # versions are int32 on the wire
MAX_DELTA_TEXT = 64 * 1024  # characters of a delta carried in a notice
_WORKSPACE = re.compile(r"[a-z][a-z0-9-]{1,62}")
_HASH = re.compile(r"[0-9a-f]{64}")


class MalformedNotice(ValueError):
    """A notice or pointer that no config service could have written: anyone who can
    publish on the channel can send one, so it is refused before it reaches the loader."""


def notice_key(service_key: str) -> bytes:
    """The key that signs deltas carried in notices, derived from the service credential
    both services hold (none without one: then no delta is carried or trusted)."""
    if not service_key:
        return b""
    return hashlib.sha256(b"agentconfig notice delta\x00" + service_key.encode()).digest()


@dataclass(frozen=True)
class ProductionMove:
    workspace_id: str
    version: int
    content_hash: str
    delta: str = ""  # the change from the previous Production, when small (JSON text)
    signature: str = ""  # of the delta, by ``signed``
    traceparent: str = ""  # the delivery's trace context; not signed: only a parent link

    def signed(self, delta: str, key: bytes) -> ProductionMove:
        return replace(self, delta=delta, signature=hmac.new(
            key, self._signed_text(delta), "sha256").hexdigest())

    def delta_verifies(self, key: bytes) -> bool:
        expected = hmac.new(key, self._signed_text(self.delta), "sha256").hexdigest()
        return bool(key and self.delta) and hmac.compare_digest(expected, self.signature)

    def _signed_text(self, delta: str) -> bytes:
        return json.dumps([self.workspace_id, self.version, self.content_hash, delta]).encode()

    def to_json(self) -> str:
        body: dict[str, object] = {"workspace_id": self.workspace_id, "version": self.version,
                                   "content_hash": self.content_hash}
        if self.delta:
            body |= {"delta": self.delta, "signature": self.signature}
        if self.traceparent:
            body["traceparent"] = self.traceparent
        return json.dumps(body)

    @classmethod
    def checked(cls, workspace_id: object, version: object, content_hash: object,
                delta: object = "", signature: object = "", traceparent: object = "",
                ) -> ProductionMove:
        """A move built from outside data, refused (MalformedNotice) unless every field has
        the shape the config service gives it; a traceparent of another shape is dropped
        (the notice still counts: its trace context is only telemetry)."""
        if not isinstance(workspace_id, str) or not _WORKSPACE.fullmatch(workspace_id):
            raise MalformedNotice("workspace_id is not a workspace id")
        if isinstance(version, bool) or not isinstance(version, int) \
                or not 1 <= version <= MAX_VERSION:
            raise MalformedNotice(f"version is not a whole number in 1..{MAX_VERSION}")
        if not isinstance(content_hash, str) or not _HASH.fullmatch(content_hash):
            raise MalformedNotice("content_hash is not a hex SHA-256")
        if not isinstance(delta, str) or len(delta) > MAX_DELTA_TEXT:
            raise MalformedNotice(f"delta is not text of at most {MAX_DELTA_TEXT} characters")
        if not isinstance(signature, str) or ((delta or signature) \
                and not _HASH.fullmatch(signature)):
            raise MalformedNotice("signature is not a hex HMAC-SHA256")
        return cls(workspace_id, version, content_hash, delta, signature,
                   valid_traceparent(traceparent))

    @classmethod
    def from_json(cls, raw: str | bytes) -> ProductionMove:
        try:
            data = json.loads(raw)
        except (ValueError, TypeError) as exc:
            raise MalformedNotice(f"not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise MalformedNotice("not a JSON object")
        return cls.checked(data.get("workspace_id"), data.get("version"),
                           data.get("content_hash"), data.get("delta", ""),
                           data.get("signature", ""), data.get("traceparent", ""))


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
