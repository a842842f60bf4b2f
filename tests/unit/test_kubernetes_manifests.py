"""deploy/kubernetes, checked offline: each overlay renders with kubectl's built-in kustomize
and every object validates (strictly: no unknown fields) against the schemas of the oldest
and newest Kubernetes versions we support; and the wiring holds: probes use the standard
gRPC health protocol under the service names the servers register, every Service, PDB and
HPA finds its pods, every container has requests and runs as non-root on a read-only root,
the config service keeps two or more replicas, and the migration runs as a Job. The
console: one replica (its sessions are in memory) or sticky sessions, probed over HTTP on
the path console/health.py answers, settings that exist, addressed to the Services as they
are named, admitted to the config service and allowed out to nothing else, and in
production TLS to the services and a Secure session cookie."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from config_service.main import SERVICE_NAME as CONFIG_SERVICE
from console.health import PATH as CONSOLE_HEALTH
from console.settings import ConsoleSettings
from runtime_service.main import SERVICE_NAME as RUNTIME_SERVICE

ROOT = Path(__file__).resolve().parents[2] / "deploy" / "kubernetes"
OVERLAYS = ("dev", "production")
VERSIONS = ("1.30.0", "1.37.0")  # gRPC probes are GA since 1.27
KUBECTL = Path(sys.executable).parent / "kubectl"


def render(overlay: str) -> list[dict[str, Any]]:
    out = subprocess.run([str(KUBECTL), "kustomize", str(ROOT / "overlays" / overlay)],
                         capture_output=True, text=True, timeout=60, check=True).stdout
    return [d for d in yaml.safe_load_all(out) if d]


@pytest.fixture(scope="module", params=OVERLAYS)
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return render(request.param)


def _of(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _ours(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {n: o for n, o in _of(objects, kind).items() if n.startswith("agentconfig")}


@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_validates(objects: list[dict[str, Any]], version: str) -> None:
    for obj in objects:
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_topology_is_complete(objects: list[dict[str, Any]]) -> None:
    deployments = _ours(objects, "Deployment")
    assert set(deployments) == {"agentconfig-config", "agentconfig-runtime",
                                "agentconfig-console"}
    assert deployments["agentconfig-config"]["spec"]["replicas"] >= 2
    job = _of(objects, "Job")["agentconfig-migrate"]
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "config-service", "migrate"]
    # no PDB for the console: one replica, which a minAvailable would pin to its node
    assert set(_of(objects, "PodDisruptionBudget")) == {"agentconfig-config",
                                                        "agentconfig-runtime"}
    assert set(_of(objects, "NetworkPolicy")) == set(deployments)
    hpa = _of(objects, "HorizontalPodAutoscaler")["agentconfig-runtime"]
    assert hpa["spec"]["scaleTargetRef"]["name"] in deployments


def test_selectors_find_their_pods(objects: list[dict[str, Any]]) -> None:
    pods = [d["spec"]["template"]["metadata"]["labels"]
            for d in _of(objects, "Deployment").values()]
    selectors = [s["spec"]["selector"] for s in _of(objects, "Service").values()]
    selectors += [p["spec"]["selector"]["matchLabels"]
                  for p in _of(objects, "PodDisruptionBudget").values()]
    selectors += [n["spec"]["podSelector"]["matchLabels"]
                  for n in _of(objects, "NetworkPolicy").values()]
    for selector in selectors:
        assert any(selector.items() <= labels.items() for labels in pods), selector


def _probe_service(probe: dict[str, Any]) -> str | None:
    if "grpc" in probe:
        return str(probe["grpc"].get("service", ""))
    command = probe["exec"]["command"]
    assert command[:3] == ["python", "-m", "agentconfig.healthcheck"], command
    return str(command[4])


@pytest.mark.parametrize("name, service", [("agentconfig-config", CONFIG_SERVICE),
                                           ("agentconfig-runtime", RUNTIME_SERVICE)])
def test_probes_use_the_standard_health_protocol(objects: list[dict[str, Any]], name: str,
                                                 service: str) -> None:
    [container] = _of(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"]
    assert _probe_service(container["readinessProbe"]) == service
    for kind in ("livenessProbe", "startupProbe"):
        assert _probe_service(container[kind]) == ""  # the whole server


def test_containers_are_bounded_and_unprivileged(objects: list[dict[str, Any]]) -> None:
    for workload in [*_ours(objects, "Deployment").values(), *_of(objects, "Job").values()]:
        spec = workload["spec"]["template"]["spec"]
        assert spec["securityContext"]["runAsNonRoot"] is True
        for container in spec["containers"]:
            assert {"cpu", "memory"} <= set(container["resources"]["requests"])
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_servers_listen_beyond_loopback_and_replicas_are_named(
        objects: list[dict[str, Any]]) -> None:
    [settings] = [c for c in _of(objects, "ConfigMap").values()
                  if c["metadata"]["name"].startswith("agentconfig-settings")]
    assert settings["data"]["AGENTCONFIG_LISTEN"].startswith("0.0.0.0:")
    assert settings["data"]["AGENTCONFIG_RUNTIME_LISTEN"].startswith("0.0.0.0:")
    runtime = _of(objects, "Deployment")["agentconfig-runtime"]["spec"]["template"]["spec"]
    env = {e["name"]: e for e in runtime["containers"][0].get("env", [])}
    assert env["AGENTCONFIG_RUNTIME_REPLICA_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == \
        "metadata.name"


def _console_settings(objects: list[dict[str, Any]]) -> dict[str, str]:
    [settings] = [c for c in _of(objects, "ConfigMap").values()
                  if c["metadata"]["name"].startswith("agentconfig-console-settings")]
    return dict(settings["data"])


def _console(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec = _of(objects, "Deployment")["agentconfig-console"]["spec"]["template"]["spec"]
    [container] = spec["containers"]
    return dict(container)


def test_the_console_runs_one_replica_or_sticky_sessions(
        objects: list[dict[str, Any]]) -> None:
    deployment = _of(objects, "Deployment")["agentconfig-console"]
    service = _of(objects, "Service")["agentconfig-console"]
    assert deployment["spec"]["replicas"] == 1 or \
        service["spec"].get("sessionAffinity") == "ClientIP"


def test_the_console_is_wired(objects: list[dict[str, Any]]) -> None:
    container = _console(objects)
    assert container["command"] == ["agentconfig-console"]
    settings = _console_settings(objects)
    prefix = "AGENTCONFIG_CONSOLE_"
    assert all(n.startswith(prefix) for n in settings)
    assert {n.removeprefix(prefix).lower() for n in settings} <= set(
        ConsoleSettings.model_fields)
    [port] = container["ports"]
    assert settings[f"{prefix}LISTEN"] == f"0.0.0.0:{port['containerPort']}"
    [http] = _of(objects, "Service")["agentconfig-console"]["spec"]["ports"]
    assert http["targetPort"] == port["name"] == "http"
    for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[kind]["httpGet"] == {"path": CONSOLE_HEALTH, "port": "http"}
    services = _of(objects, "Service")
    for setting, service in (("CONFIG_SERVICE", "agentconfig-config"),
                             ("RUNTIME_SERVICE", "agentconfig-runtime")):
        host, _, number = settings[prefix + setting].rpartition(":")
        assert host.split(".")[0] == service, host
        assert [int(number)] == [p["port"] for p in services[service]["spec"]["ports"]]


def test_the_console_reaches_the_services_and_nothing_else(
        objects: list[dict[str, Any]]) -> None:
    policies = _of(objects, "NetworkPolicy")
    pods = {name: d["spec"]["template"]["metadata"]["labels"]
            for name, d in _ours(objects, "Deployment").items()}
    console = pods["agentconfig-console"]
    [grpc_in, _metrics] = policies["agentconfig-config"]["spec"]["ingress"]
    assert any("namespaceSelector" not in peer
               and peer["podSelector"]["matchLabels"].items() <= console.items()
               for peer in grpc_in["from"])
    policy = policies["agentconfig-console"]["spec"]
    assert "Egress" in policy["policyTypes"]
    reached = {}
    for rule in policy["egress"]:
        for peer in rule["to"]:
            selected = peer["podSelector"]["matchLabels"]
            for name, labels in pods.items():
                if selected.items() <= labels.items():
                    reached[name] = {p["port"] for p in rule["ports"]}
    ports = {name: {p["containerPort"] for p in d["spec"]["template"]["spec"]["containers"][0]
                    ["ports"] if p["name"] == "grpc"}
             for name, d in _ours(objects, "Deployment").items()}
    assert reached == {"agentconfig-config": ports["agentconfig-config"],
                       "agentconfig-runtime": ports["agentconfig-runtime"]}


def test_the_console_over_tls_in_production_only() -> None:
    dev, production = render("dev"), render("production")
    assert _console_settings(dev)["AGENTCONFIG_CONSOLE_COOKIE_SECURE"] == "false"
    assert "AGENTCONFIG_CONSOLE_TLS_CA_FILE" not in _console_settings(dev)
    settings = _console_settings(production)
    assert settings["AGENTCONFIG_CONSOLE_COOKIE_SECURE"] == "true"
    container = _console(production)
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    spec = _of(production, "Deployment")["agentconfig-console"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in spec["volumes"]}
    for name in ("TLS_CA_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE"):
        path = Path(settings["AGENTCONFIG_CONSOLE_" + name])
        mount = mounts[str(path.parent)]
        assert mount["readOnly"] is True
        # its own client certificate: never the secret holding the services' server key
        assert volumes[mount["name"]]["secret"]["secretName"] == "agentconfig-console-tls"


def test_a_broken_manifest_is_caught() -> None:
    """The validation is not vacuous: an unknown field is refused in strict mode."""
    deployment = _of(render("dev"), "Deployment")["agentconfig-config"]
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[0], strict=True)
