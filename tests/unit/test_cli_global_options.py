"""Global options before or after the command (agentctl/global_options.py), on a toy app:
connection options after the command too, and the mirror case, a command's own ``-o``
before the command too."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from agentctl.errors import CliError
from agentctl.global_options import accept_everywhere, connection, remember


class Fmt(StrEnum):
    table = "table"
    json = "json"


app = typer.Typer()
group = typer.Typer()
app.add_typer(group, name="group")
FmtOpt = Annotated[Fmt, typer.Option("--output", "-o", case_sensitive=False)]


@app.callback()
def root(ctx: typer.Context, workspace: Annotated[str | None, typer.Option(
        "--workspace", "-w", envvar="TOY_WORKSPACE")] = None,
         output: Annotated[Fmt | None, typer.Option(
             "--output", "-o", case_sensitive=False)] = None) -> None:
    remember(ctx, {"workspace": workspace, "config_addr": "x:1", "runtime_addr": "x:2",
                   "key": "", "user": "", "tls_ca": "", "tls_cert": "", "tls_key": "",
                   "tls_server_name": ""})


@app.command()
def show(ctx: typer.Context, n: int = 1, output: FmtOpt = Fmt.table) -> None:
    typer.echo(f"{connection(ctx).settings.workspace} {n} {output!r}")


@app.command()
def act(ctx: typer.Context) -> None:
    typer.echo(connection(ctx).settings.workspace)


@group.command()
def inner(ctx: typer.Context, output: FmtOpt = Fmt.table) -> None:
    typer.echo(f"{connection(ctx).settings.workspace} {output!r}")


accept_everywhere(app, root, per_command=("output",))

TABLE = "<Fmt.table: 'table'>"
JSON = "<Fmt.json: 'json'>"


def run(*args: str, env: dict[str, str] | None = None) -> str:
    result = CliRunner().invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.mark.parametrize(("args", "env", "printed"), [
    # connection options: before, after, in a group's command
    (("-w", "a", "show"), None, f"a 1 {TABLE}"),
    (("show", "-w", "b", "--n", "2"), None, f"b 2 {TABLE}"),
    (("group", "inner", "--workspace", "c"), None, f"c {TABLE}"),
    (("-w", "a", "act"), None, "a"),
    (("act", "-w", "b"), None, "b"),
    # after the command wins over before it and over the environment
    (("-w", "a", "show", "-w", "b"), None, f"b 1 {TABLE}"),
    (("show", "-w", "b"), {"TOY_WORKSPACE": "e"}, f"b 1 {TABLE}"),
    (("show",), {"TOY_WORKSPACE": "e"}, f"e 1 {TABLE}"),
    # the mirror case: a command's own -o before the command too
    (("-w", "a", "show", "-o", "json"), None, f"a 1 {JSON}"),
    (("-w", "a", "-o", "json", "show"), None, f"a 1 {JSON}"),
    (("-o", "JSON", "-w", "a", "show", "--n", "3"), None, f"a 3 {JSON}"),
    (("--output", "json", "group", "inner", "-w", "a"), None, f"a {JSON}"),
    (("-o", "json", "-w", "a", "show", "-o", "table"), None, f"a 1 {TABLE}"),
    (("-o", "table", "-w", "a", "show", "--output", "json"), None, f"a 1 {JSON}"),
])
def test_options_before_or_after_the_command(args: tuple[str, ...],
                                             env: dict[str, str] | None,
                                             printed: str) -> None:
    assert run(*args, env=env) == printed


def test_an_option_before_a_command_that_has_not_got_it_is_refused() -> None:
    result = CliRunner().invoke(app, ["-o", "json", "-w", "a", "act"])
    assert isinstance(result.exception, CliError), result.output
    assert result.exception.message == "-o/--output does not apply to 'root act'"


def test_a_bad_value_before_the_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(app, ["-o", "xml", "show"])
    assert result.exit_code == 2 and "'xml' is not one of" in result.output, result.output
