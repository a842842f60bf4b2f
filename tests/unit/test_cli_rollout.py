"""The rollout line ``status`` and ``publish`` print: a workspace no replica has loaded yet
reads as the plain fact it is, never as "live on 0 of 0 replicas"."""

from __future__ import annotations

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.rollout import summary


def test_nothing_published() -> None:
    assert summary(cpb.GetRolloutStatusResponse()) == "nothing published yet"


def test_no_replica_reports_yet() -> None:
    status = cpb.GetRolloutStatusResponse(production_version=3)
    assert summary(status) == ("v3 is Production; no replica reports it yet (replicas load "
                               "a workspace on first use)")


def test_live_replicas() -> None:
    status = cpb.GetRolloutStatusResponse(production_version=3, live_replicas=1,
                                          total_replicas=2)
    assert summary(status) == "v3 live on 1 of 2 replicas"
