"""The RuntimeService servicer, assembled from its areas: channel-facing production reads
(rpc_production.py), the internal chat (rpc_chat.py), conversations (rpc_conversations.py),
test runs (rpc_tests.py) and gateways' outcome reports (rpc_outcomes.py). Each RPC checks
the request shape and calls the service layer; domain errors propagate to the call
pipeline, which maps them to statuses."""

from __future__ import annotations

from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from runtime_service.api.rpc_chat import ChatRpcs
from runtime_service.api.rpc_conversations import ConversationRpcs
from runtime_service.api.rpc_outcomes import OutcomeRpcs
from runtime_service.api.rpc_production import ProductionRpcs
from runtime_service.api.rpc_tests import TestRpcs


class RuntimeServicer(ProductionRpcs, ChatRpcs, ConversationRpcs, TestRpcs, OutcomeRpcs,
                      rgrpc.RuntimeServiceServicer):
    """Every RuntimeService RPC (see docs/api.md)."""
