"""``dev``: the whole system in one process (the embedded mode), by exec'ing the
``agentconfig-dev`` console script installed next to this Python. agentctl stays a pure
gRPC client: it never imports the services."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from agentctl.errors import CliError


def dev_script() -> Path:
    return Path(sys.executable).parent / "agentconfig-dev"


def dev(data_dir: Annotated[Path, typer.Option(
            "--data-dir", file_okay=False, help="Where the SQLite files and disk copies live.",
        )] = Path(".data"),
        config_listen: Annotated[str, typer.Option(
            "--config-listen", metavar="HOST:PORT", help="The config service's address.",
        )] = "127.0.0.1:50051",
        runtime_listen: Annotated[str, typer.Option(
            "--runtime-listen", metavar="HOST:PORT", help="The runtime service's address.",
        )] = "127.0.0.1:50052") -> None:
    """Run the config and runtime services in one process on a SQLite file, with a demo
    workspace; Ctrl-C stops them."""
    script = dev_script()
    if not os.access(script, os.X_OK):
        raise CliError(f"{script} is not installed: install agentconfig into this "
                       "environment (./scripts/run.sh does)")
    args = [str(script), "--data-dir", str(data_dir), "--config-listen", config_listen,
            "--runtime-listen", runtime_listen]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(script, args)


def register(app: typer.Typer) -> None:
    app.command()(dev)
