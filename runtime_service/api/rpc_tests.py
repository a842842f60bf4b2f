"""Test runs: RunTests runs a workspace's test cases through the simulator."""

from __future__ import annotations

from runtime_service.api.rpc_base import RpcBase


class TestRpcs(RpcBase):
    pass
