"""Where agentctl connects and as whom: flags > environment > config file > defaults.

Typer resolves a flag or its environment variable; what neither gave comes from the YAML
config file (``$AGENTCTL_CONFIG``, else ``config.yaml`` in the user's config directory,
e.g. ``~/.config/agentctl/config.yaml``), then from the defaults below.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import typer
import yaml

from agentctl.errors import CliError

DEFAULTS = {"config_addr": "127.0.0.1:50051", "runtime_addr": "127.0.0.1:50052"}


@dataclass(frozen=True)
class Settings:
    config_addr: str = DEFAULTS["config_addr"]
    runtime_addr: str = DEFAULTS["runtime_addr"]
    workspace: str = ""
    key: str = ""
    user: str = ""
    tls_ca: str = ""  # a CA file: verify the servers (turns TLS on)
    tls_cert: str = ""  # a client certificate and its key (mTLS)
    tls_key: str = ""
    tls_server_name: str = ""  # the name checked in the server certificate


def config_file() -> tuple[Path, bool]:
    """The config file's path, and whether the user named it explicitly."""
    named = os.environ.get("AGENTCTL_CONFIG")
    if named:
        return Path(named).expanduser(), True
    return Path(typer.get_app_dir("agentctl")) / "config.yaml", False


def read_config_file() -> dict[str, str]:
    path, named = config_file()
    if not path.is_file():
        if named:
            raise CliError(f"config file {path} (AGENTCTL_CONFIG) does not exist")
        return {}
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CliError(f"config file {path}: {_first_line(exc)}") from None
    if data is None:
        return {}
    known = {f.name for f in fields(Settings)}
    if not isinstance(data, dict):
        raise CliError(f"config file {path}: expected a mapping of {', '.join(sorted(known))}")
    out: dict[str, str] = {}
    for raw_key, value in data.items():
        key = str(raw_key).replace("-", "_")
        if key not in known:
            raise CliError(f"config file {path}: unknown key {raw_key!r} "
                           f"(known: {', '.join(sorted(known))})")
        out[key] = "" if value is None else str(value)
    return out


def resolve(given: dict[str, str | None]) -> Settings:
    """``given`` holds what flags or environment supplied (None where neither did)."""
    from_file = read_config_file() if any(v is None for v in given.values()) else {}
    values = {name: value if value is not None else from_file.get(name)
              for name, value in given.items()}
    return Settings(**{k: v for k, v in values.items() if v is not None})


def state_dir() -> Path:
    """Where agentctl remembers which file each applied entity came from."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "agentctl"


def safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
