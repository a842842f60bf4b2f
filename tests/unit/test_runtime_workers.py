"""What each runtime worker changes of the supervisor's settings (issue 11): its own
replica id, disk folder and metrics port, and the default count (the usable cores)."""

from __future__ import annotations

import os

import pytest

from agentconfig.errors import StartupError
from runtime_service.settings import RuntimeSettings
from runtime_service.workers import cpu_count, supervise, worker_count, worker_settings


def test_each_worker_is_its_own_replica() -> None:
    settings = RuntimeSettings(replica_id="rt", data_dir="/var/rt", metrics_listen="0.0.0.0:9100")
    assert worker_settings(settings, 3) == {
        "AGENTCONFIG_RUNTIME_WORKERS": "1", "AGENTCONFIG_RUNTIME_WORKER_INDEX": "3",
        "AGENTCONFIG_RUNTIME_REPLICA_ID": "rt-w3", "AGENTCONFIG_RUNTIME_DATA_DIR": "/var/rt/w3",
        "AGENTCONFIG_RUNTIME_METRICS_LISTEN": "0.0.0.0:9102"}
    assert "AGENTCONFIG_RUNTIME_METRICS_LISTEN" not in worker_settings(RuntimeSettings(), 1)


def test_worker_count_defaults_to_usable_cores() -> None:
    assert worker_count(RuntimeSettings()) == 1  # the development default
    assert worker_count(RuntimeSettings(workers=3)) == 3
    assert worker_count(RuntimeSettings(workers=0)) == cpu_count()
    assert 1 <= cpu_count() <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize("listen", ["127.0.0.1:0", "127.0.0.1"])
def test_workers_refuse_a_port_picked_per_process(listen: str) -> None:
    with pytest.raises(StartupError, match="fixed port"):
        supervise(RuntimeSettings(listen=listen, workers=2), 2)
