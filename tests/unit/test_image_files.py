"""The image cannot be built here (no Docker engine), so what makes it right is checked from
its files: the lock is in step with both pyproject.toml files (a dependency added to one
and not locked would be missing from the image, or fail its `pip check`), every pin carries
hashes, and the Dockerfile installs from the lock, runs as a non-root user, keeps its data
on a volume, listens on every interface and checks its health by the gRPC protocol. No
network: everything is read from the repository."""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from config_service.settings import ConfigServiceSettings
from runtime_service.settings import RuntimeSettings

ROOT = Path(__file__).resolve().parents[2]
OWN = {"agentconfig", "agentconfig-client"}  # this repository's distributions


def _pyproject(path: str) -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / path).read_text())["project"]
    return project


def _required() -> list[Requirement]:
    """The runtime dependencies of both distributions, with the client's extras the
    services ask for."""
    main, client = _pyproject("pyproject.toml"), _pyproject("clients/python/pyproject.toml")
    wanted = [Requirement(r) for r in main["dependencies"]]
    wanted += [Requirement(r) for r in client["dependencies"]]
    for extra in {e for r in wanted if r.name == "agentconfig-client" for e in r.extras}:
        wanted += [Requirement(r) for r in client["optional-dependencies"][extra]]
    return [r for r in wanted if canonicalize_name(r.name) not in OWN]


def _locked() -> dict[str, tuple[str, int]]:
    """name -> (pinned version, how many hashes)."""
    text = (ROOT / "requirements.lock").read_text().replace("\\\n", " ")
    out: dict[str, tuple[str, int]] = {}
    for line in text.splitlines():
        found = re.match(r"^([A-Za-z0-9._-]+)==(\S+)(.*)$", line)
        if found:
            name, version, rest = found.groups()
            out[canonicalize_name(name)] = (version, rest.count("--hash=sha256:"))
    return out


def test_every_runtime_dependency_is_pinned_in_the_lock() -> None:
    locked = _locked()
    for requirement in _required():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run scripts/lock.sh"
        assert requirement.specifier.contains(locked[name][0], prereleases=True), (
            f"requirements.lock pins {name}=={locked[name][0]}, outside "
            f"{requirement.specifier}: run scripts/lock.sh")


def test_every_pin_has_hashes_and_nothing_of_ours_is_pinned() -> None:
    locked = _locked()
    assert len(locked) > 20
    assert all(hashes for _, hashes in locked.values()), "a pin without --hash"
    assert not OWN & set(locked), "the lock pins this repository's own distributions"


def _instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined."""
    text = (ROOT / "Dockerfile").read_text()
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    return [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1].strip())
            for ln in joined.splitlines() if ln.strip()]


def _env() -> dict[str, str]:
    pairs = [p for kind, args in _instructions() if kind == "ENV" for p in shlex.split(args)]
    return dict(p.split("=", 1) for p in pairs)


def test_the_image_installs_the_lock_with_hashes_then_ours_without_dependencies() -> None:
    runs = [args for kind, args in _instructions() if kind == "RUN"]
    lock = next(i for i, r in enumerate(runs) if "-r requirements.lock" in r)
    assert "--require-hashes" in runs[lock]
    ours = next(i for i, r in enumerate(runs) if "./clients/python" in r)
    assert ours > lock and "--no-deps" in runs[ours] and "pip check" in runs[ours]
    assert re.search(r"\./clients/python\s+\.(\s|$)", runs[ours]), "the SDK before the services"
    copied = " ".join(args for kind, args in _instructions() if kind == "COPY")
    assert "requirements.lock" in copied and "clients/python" in copied


def test_the_image_runs_as_a_numeric_non_root_user() -> None:
    users = [args for kind, args in _instructions() if kind == "USER"]
    assert users, "no USER: the image would run as root"
    uid = users[-1].split(":")[0]
    assert uid.isdigit() and int(uid) != 0
    kinds = [kind for kind, _ in _instructions()]
    assert kinds.index("USER") > max(i for i, k in enumerate(kinds) if k == "RUN")


def test_the_image_listens_everywhere_and_keeps_its_data_on_the_volume() -> None:
    env = _env()
    volumes = [args.strip('[]"') for kind, args in _instructions() if kind == "VOLUME"]
    assert volumes == ["/data"]
    assert env["AGENTCONFIG_LISTEN"].startswith("0.0.0.0:")
    assert env["AGENTCONFIG_RUNTIME_LISTEN"].startswith("0.0.0.0:")
    assert env["AGENTCONFIG_RUNTIME_DATA_DIR"].startswith("/data/")
    settings = {("AGENTCONFIG_" + n).upper() for n in ConfigServiceSettings.model_fields}
    settings |= {("AGENTCONFIG_RUNTIME_" + n).upper() for n in RuntimeSettings.model_fields}
    assert set(env) - {"PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED",
                       "PIP_DISABLE_PIP_VERSION_CHECK"} <= settings, "an ENV no setting reads"


def test_the_health_check_speaks_the_grpc_health_protocol_on_either_service() -> None:
    checks = [args for kind, args in _instructions() if kind == "HEALTHCHECK"]
    assert len(checks) == 1 and checks[0].count("python -m agentconfig.healthcheck") == 2
    assert "${AGENTCONFIG_LISTEN##*:}" in checks[0]
    assert "${AGENTCONFIG_RUNTIME_LISTEN##*:}" in checks[0]


def test_compose_keeps_the_runtime_copies_on_the_image_volume() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("runtime-1", "runtime-2"):
        service = compose["services"][name]
        data_dir = service["environment"].get("AGENTCONFIG_RUNTIME_DATA_DIR",
                                              _env()["AGENTCONFIG_RUNTIME_DATA_DIR"])
        mounts = [v.split(":")[1] for v in service["volumes"]]
        assert any(data_dir.startswith(m) for m in mounts), (name, data_dir, mounts)
