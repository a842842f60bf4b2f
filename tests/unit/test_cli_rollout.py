"""The rollout line ``status`` and ``publish`` print: a workspace no replica has loaded yet
reads as the plain fact it is, never as "live on 0 of 0 replicas"; following a rollout
waits a moment for a first report before saying so."""

from __future__ import annotations

import pytest

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.rollout import FIRST_REPORT_SECONDS, Step, step, summary


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


def _status(*versions: int) -> cpb.GetRolloutStatusResponse:
    replicas = [cpb.ReplicaRollout(replica_id=f"r{i}", version=v)
                for i, v in enumerate(versions)]
    return cpb.GetRolloutStatusResponse(
        production_version=2, total_replicas=len(versions), replicas=replicas,
        live_replicas=sum(1 for v in versions if v >= 2))


@pytest.mark.parametrize(("status", "waited", "expected"), [
    # no report yet right after the publish: the notice is on its way, keep looking
    (_status(), 0.0, Step("waiting for a replica to report v2")),
    (_status(), FIRST_REPORT_SECONDS - 0.1, Step("waiting for a replica to report v2")),
    # still none: the plain fact, not a failure and not "live on 0 of 0"
    (_status(), FIRST_REPORT_SECONDS, Step(
        "v2 is Production; no replica has loaded workspace shop yet (replicas load a "
        "workspace on first use)", done=True)),
    (_status(1), 0.0, Step("v2 live on 0 of 1 replicas")),
    (_status(1, 2), 5.0, Step("v2 live on 1 of 2 replicas")),
    (_status(2), 0.0, Step("v2 live on 1 of 1 replicas", done=True, live=True,
                           style="green")),
    (_status(3, 2), 0.0, Step("v2 live on 2 of 2 replicas", done=True, live=True,
                              style="green")),
    (_status(1, 2), 30.0, Step("v2 live on 1 of 2 replicas after 30 s; `agentctl status` "
                               "shows the replicas", done=True, style="yellow")),
])
def test_following_a_rollout(status: cpb.GetRolloutStatusResponse, waited: float,
                             expected: Step) -> None:
    assert step(status, 2, "shop", waited, timeout=30.0) == expected


def test_a_short_timeout_cuts_the_wait_for_a_first_report() -> None:
    assert step(_status(), 2, "shop", 1.0, timeout=1.0).done
