"""Rollout: which version each runtime replica serves (``GetRolloutStatus``), drawn as a
line ("v3 live on 2 of 2 replicas") and a table, and followed after a publish until every
reporting replica serves the new version. A workspace no replica has loaded yet is not a
failure: replicas load a workspace on first use, and report it from then on."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.client import Connection
from agentctl.output import as_dict, err_console, note, row, table, when

POLL_SECONDS = 0.2
FIRST_REPORT_SECONDS = 3.0  # a publish's notice reaches the replicas within it (relay: 1 s)
FIRST_USE = "replicas load a workspace on first use"


def fetch(c: Connection, workspace_id: str) -> cpb.GetRolloutStatusResponse:
    return c.call(c.stub.GetRolloutStatus, cpb.GetRolloutStatusRequest(
        workspace_id=workspace_id))


def summary(status: cpb.GetRolloutStatusResponse) -> str:
    if not status.production_version:
        return "nothing published yet"
    if not status.total_replicas:
        return (f"v{status.production_version} is Production; no replica reports it yet "
                f"({FIRST_USE})")
    return (f"v{status.production_version} live on {status.live_replicas} of "
            f"{status.total_replicas} replicas")


def data(status: cpb.GetRolloutStatusResponse) -> dict[str, Any]:
    return {"production_version": status.production_version,
            "live_replicas": status.live_replicas, "total_replicas": status.total_replicas,
            "summary": summary(status), "replicas": [as_dict(r) for r in status.replicas]}


def render(status: cpb.GetRolloutStatusResponse, workspace_id: str) -> Group:
    head = Text(f"{workspace_id}: ", style="bold")
    live = status.total_replicas and status.live_replicas == status.total_replicas
    head.append(summary(status), style="green" if live else
                "yellow" if status.total_replicas else "")
    if not status.replicas:
        return Group(head)
    t = table("REPLICA", "VERSION", "HASH", "LOADED (UTC)", "REPORTED (UTC)")
    for r in status.replicas:
        current = r.version == status.production_version
        row(t, r.replica_id, Text(f"v{r.version}", style="" if current else "yellow"),
            r.content_hash[:8], when(r.load_time), when(r.report_time))
    return Group(head, t)


@dataclass(frozen=True)
class Step:
    """Where following a rollout stands after one look: the line to show, and whether to
    stop (and if so, whether every replica serves the version)."""
    line: str
    done: bool = False
    live: bool = False
    style: str = ""


def step(status: cpb.GetRolloutStatusResponse, version: int, workspace_id: str,
         waited: float, timeout: float) -> Step:
    """No report at first is the ordinary state right after a publish: the notice reaches
    the replicas a moment later, and one that loads the workspace then reports it (the
    embedded mode's replica does). Only after ``FIRST_REPORT_SECONDS`` is it the plain fact
    that no replica has loaded the workspace."""
    if not status.total_replicas:
        if waited < min(timeout, FIRST_REPORT_SECONDS):
            return Step(f"waiting for a replica to report v{version}")
        return Step(f"v{version} is Production; no replica has loaded workspace "
                    f"{workspace_id} yet ({FIRST_USE})", done=True)
    serving = sum(1 for r in status.replicas if r.version >= version)
    line = f"v{version} live on {serving} of {status.total_replicas} replicas"
    if serving == status.total_replicas:
        return Step(line, done=True, live=True, style="green")
    if waited >= timeout:
        return Step(f"{line} after {timeout:g} s; `agentctl status` shows the replicas",
                    done=True, style="yellow")
    return Step(line)


def wait(c: Connection, version: int, timeout: float) -> bool:
    """Follow the rollout of ``version`` until every reporting replica serves it (True), no
    replica has loaded the workspace (said as the plain fact it is), or ``timeout`` seconds
    pass (False)."""
    started = time.monotonic()
    with err_console.status(f"waiting for v{version} to go live ...") as spinner:
        while True:
            found = step(fetch(c, c.workspace), version, c.workspace,
                         time.monotonic() - started, timeout)
            if found.done:
                note(found.line, style=found.style)
                return found.live
            spinner.update(f"{found.line} ...")
            time.sleep(POLL_SECONDS)
