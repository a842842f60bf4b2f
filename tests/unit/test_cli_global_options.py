"""Global options before or after the command (agentctl/global_options.py), on a toy app."""

from __future__ import annotations

from typing import Annotated

import typer
from typer.testing import CliRunner

from agentctl.global_options import accept_everywhere, connection, remember

app = typer.Typer()
group = typer.Typer()
app.add_typer(group, name="group")


@app.callback()
def root(ctx: typer.Context, workspace: Annotated[str | None, typer.Option(
        "--workspace", "-w", envvar="TOY_WORKSPACE")] = None) -> None:
    remember(ctx, {"workspace": workspace, "config_addr": "x:1", "runtime_addr": "x:2",
                   "key": "", "user": "", "tls_ca": "", "tls_cert": "", "tls_key": "",
                   "tls_server_name": ""})


@app.command()
def show(ctx: typer.Context, n: int = 1) -> None:
    typer.echo(f"{connection(ctx).settings.workspace} {n}")


@group.command()
def inner(ctx: typer.Context) -> None:
    typer.echo(connection(ctx).settings.workspace)


accept_everywhere(app, root)


def run(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_before_after_and_in_a_group() -> None:
    assert run("-w", "a", "show") == "a 1"
    assert run("show", "-w", "b", "--n", "2") == "b 2"
    assert run("group", "inner", "--workspace", "c") == "c"


def test_after_the_command_wins_over_before_and_the_environment() -> None:
    assert run("-w", "a", "show", "-w", "b") == "b 1"
    assert run("show", "-w", "b", env={"TOY_WORKSPACE": "e"}) == "b 1"
    assert run("show", env={"TOY_WORKSPACE": "e"}) == "e 1"
