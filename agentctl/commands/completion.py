"""``completion bash|zsh|fish|powershell``: the shell completion script on stdout, to source
or save (``--install-completion`` writes it into the current shell's start file instead)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from typer._completion_shared import get_completion_script  # what --show-completion prints


class Shell(StrEnum):
    bash = "bash"
    zsh = "zsh"
    fish = "fish"
    powershell = "powershell"


def completion(shell: Annotated[Shell, typer.Argument(help="bash, zsh, fish or powershell.")],
               ) -> None:
    """Print the shell completion script, e.g. `source <(agentctl completion bash)`."""
    typer.echo(get_completion_script(prog_name="agentctl", complete_var="_AGENTCTL_COMPLETE",
                                     shell=shell.value))


def register(app: typer.Typer) -> None:
    app.command()(completion)
