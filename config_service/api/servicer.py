"""The ConfigService servicer: each RPC checks the request shape, calls one use case and
converts the answer; domain errors propagate to the call pipeline, which maps them to
statuses. The RPCs are grouped by area in rpc_draft.py, rpc_history.py, rpc_live.py,
rpc_testing.py, rpc_rollouts.py and
rpc_schedules.py."""

from __future__ import annotations

from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from config_service.api.rpc_draft import DraftRpcs
from config_service.api.rpc_history import HistoryRpcs
from config_service.api.rpc_live import LiveRpcs
from config_service.api.rpc_rollouts import RolloutRpcs
from config_service.api.rpc_schedules import ScheduleRpcs
from config_service.api.rpc_testing import TestingRpcs


class ConfigServicer(DraftRpcs, HistoryRpcs, LiveRpcs, TestingRpcs, RolloutRpcs, ScheduleRpcs,
                     cgrpc.ConfigServiceServicer):
    """Every ConfigService RPC (see docs/api.md)."""
