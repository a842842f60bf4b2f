"""What every part of the ConfigService servicer shares: its dependencies, the author of
a write, and small conversions. The RPCs themselves live in rpc_*.py by area, and
servicer.py assembles them into the one servicer class."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import grpc

from agentconfig import errors
from agentconfig.v1 import config_service_pb2 as cpb
from config_service.domain.auth import current_principal
from config_service.service.ports import (
    Announcer,
    ChannelsAnnouncer,
    KeysAnnouncer,
    RolloutReader,
    UnitOfWorkFactory,
)

Ctx = grpc.aio.ServicerContext[Any, Any]

CHANGE_ACTIONS = {"created": cpb.CHANGE_ACTION_CREATED, "updated": cpb.CHANGE_ACTION_UPDATED,
            "unchanged": cpb.CHANGE_ACTION_UNCHANGED, "deleted": cpb.CHANGE_ACTION_DELETED}


def expire_time_of(request: cpb.CreateApiKeyRequest) -> datetime | None:
    if not request.HasField("expire_time"):
        return None
    try:
        return request.expire_time.ToDatetime(UTC)
    except ValueError as exc:  # seconds or nanos out of the Timestamp's range
        raise errors.invalid("expire_time", "is not a valid timestamp (years 1-9999, nanos "
                             "0-999999999)", "BAD_TIMESTAMP") from exc


def author_of(given: str, context: Ctx) -> str:
    """An authenticated caller is the author; with authentication off, the request (or the
    x-agentconfig-user metadata) names one."""
    principal = current_principal.get()
    if principal.kind != "anonymous":
        return principal.name
    if given:
        return given
    for key, value in context.invocation_metadata() or ():
        if key == "x-agentconfig-user":
            return str(value)
    return "anonymous"



class RpcBase:
    def __init__(self, uowf: UnitOfWorkFactory, announcer: Announcer,
                 rollout: RolloutReader, channels: ChannelsAnnouncer,
                 keys_announcer: KeysAnnouncer) -> None:
        self._uowf = uowf
        self._announcer = announcer
        self._rollout = rollout
        self._channels = channels
        self._keys = keys_announcer
