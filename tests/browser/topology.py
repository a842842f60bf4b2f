"""The real topology the browser tests click through: Postgres and Redis (the suite's own),
a config service, two runtime replicas and the console, each as its own operating-system
process on a free port, exactly as an operator runs them; and, per test, a fresh workspace
with the demo's content published as v1 and one key per role."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import grpc

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import config_service_pb2_grpc as cgrpc
from agentconfig.v1 import runtime_service_pb2 as rpb
from agentconfig.v1 import runtime_service_pb2_grpc as rgrpc
from embedded import demo
from tests.harness.processes import ServiceProcess
from tests.harness.servers import ServerUnavailable, free_port

OPERATOR = "operator-" + uuid.uuid4().hex
SERVICE = "service-" + uuid.uuid4().hex
ROLES = {"viewer": cpb.ROLE_VIEWER, "editor": cpb.ROLE_EDITOR,
         "publisher": cpb.ROLE_PUBLISHER, "admin": cpb.ROLE_ADMIN}
REPLICAS = ("replica-a", "replica-b")


def auth(key: str = OPERATOR) -> tuple[tuple[str, str]]:
    return (("authorization", f"Bearer {key}"),)


@dataclass
class Console:
    """``agentconfig-console`` as its own process, configured by environment variables."""
    config_address: str
    runtime_address: str
    log: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> Console:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTCONFIG_")} | {
            "AGENTCONFIG_CONSOLE_LISTEN": f"127.0.0.1:{self.port}",
            "AGENTCONFIG_CONSOLE_CONFIG_SERVICE": self.config_address,
            "AGENTCONFIG_CONSOLE_RUNTIME_SERVICE": self.runtime_address}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen([str(Path(sys.executable).parent /
                                              "agentconfig-console")],
                                         env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServerUnavailable(f"console exited:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise ServerUnavailable(f"console not up after {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(15)


@dataclass
class Topology:
    config: ServiceProcess
    runtimes: list[ServiceProcess]
    console: Console
    channel: grpc.Channel

    @property
    def stub(self) -> cgrpc.ConfigServiceStub:
        return cgrpc.ConfigServiceStub(self.channel)

    def stop(self) -> None:
        self.channel.close()
        self.console.stop()
        for process in [*self.runtimes, self.config]:
            process.terminate()


def start(root: Path, database_url: str, redis_url: str) -> Topology:
    config = ServiceProcess("config", {
        "database_url": database_url, "redis_url": redis_url, "operator_key": OPERATOR,
        "service_key": SERVICE, "relay_interval_seconds": "0.2"}, root / "config.log").start()
    runtimes = [ServiceProcess("runtime", {
        "config_service": config.address, "redis_url": redis_url, "service_key": SERVICE,
        "operator_key": OPERATOR, "data_dir": str(root / name), "replica_id": name,
        "reconcile_seconds": "0.5", "report_seconds": "0.5"}, root / f"{name}.log").start()
        for name in REPLICAS]
    console = Console(config.address, runtimes[0].address, root / "console.log").start()
    return Topology(config, runtimes, console, grpc.insecure_channel(config.address))


@dataclass
class Workspace:
    workspace_id: str
    keys: dict[str, str]  # role -> secret


def workspace(topology: Topology) -> Workspace:
    """A fresh workspace: the demo's entities published as v1, served by both replicas."""
    stub, ws = topology.stub, f"ws-{uuid.uuid4().hex[:10]}"
    stub.CreateWorkspace(cpb.CreateWorkspaceRequest(workspace_id=ws, display_name="Browser"),
                         metadata=auth())
    applied = stub.ApplyDraftEntities(cpb.ApplyDraftEntitiesRequest(
        workspace_id=ws, entities=demo.entities(), author="seed"), metadata=auth())
    stub.PublishDraft(cpb.PublishDraftRequest(workspace_id=ws, message="seed",
                                              reviewed_revision=applied.draft_revision),
                      metadata=auth())
    keys = {role: stub.CreateApiKey(cpb.CreateApiKeyRequest(
        workspace_id=ws, role=value, display_name=f"{role} key"), metadata=auth()).secret
        for role, value in ROLES.items()}
    for runtime in topology.runtimes:  # a replica of a fleet loads a workspace on first use
        with grpc.insecure_channel(runtime.address) as channel:
            rgrpc.RuntimeServiceStub(channel).ResolveAgent(rpb.ResolveAgentRequest(
                workspace_id=ws, agent_id="concierge"), metadata=auth())
    return Workspace(ws, keys)
