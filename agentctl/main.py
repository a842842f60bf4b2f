"""The ``agentctl`` console script: global connection options, the command groups, and the
one boundary where every error becomes a single line on stderr and an exit code."""

from __future__ import annotations

import os
import sys
from importlib.metadata import version as package_version
from typing import Annotated, Any

import grpc
import typer
from rich.text import Text

from agentctl.commands import (
    audit,
    backups,
    channels,
    chat,
    completion,
    conversations,
    dev,
    draft,
    export,
    keys,
    publishing,
    rollouts,
    schedules,
    status,
    tests,
    versions,
    whoami,
    workspace,
)
from agentctl.errors import CliError, from_rpc
from agentctl.global_options import accept_everywhere, remember
from agentctl.output import Output, err_console
from agentctl.settings import DEFAULTS


class App(typer.Typer):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except CliError as exc:
            fail(exc)
        except grpc.RpcError as exc:  # a call that did not go through Connection.call
            fail(from_rpc(exc, "the server"))
        except KeyboardInterrupt:
            err_console.print(Text("interrupted", style="red"))
            sys.exit(130)
        except Exception as exc:
            if os.environ.get("AGENTCTL_DEBUG"):
                raise
            fail(CliError(f"unexpected {type(exc).__name__}: {exc} "
                          "(set AGENTCTL_DEBUG=1 for details)"))


def fail(exc: CliError) -> None:
    line = Text("error: ", style="bold red")
    line.append(exc.message)
    err_console.print(line, soft_wrap=True)
    for violation in exc.violations:
        err_console.print(Text("  " + violation.line()), soft_wrap=True)
    sys.exit(int(exc.exit_code))


app = App(name="agentctl", no_args_is_help=True, pretty_exceptions_enable=False,
          add_completion=True, rich_markup_mode=None,
          help="Edit, validate, diff, publish and roll back versioned agent configuration.")


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"agentctl {package_version('agentconfig')}")
        raise typer.Exit()


@app.callback()
def connect(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option(
        "--version", is_eager=True, callback=show_version, help="Print the version and exit.",
    )] = False,
    config_addr: Annotated[str | None, typer.Option(
        "--config-addr", envvar="AGENTCTL_CONFIG_ADDR", show_default=False,
        help=f"Config service host:port [default: {DEFAULTS['config_addr']}].")] = None,
    runtime_addr: Annotated[str | None, typer.Option(
        "--runtime-addr", envvar="AGENTCTL_RUNTIME_ADDR", show_default=False,
        help=f"Runtime service host:port [default: {DEFAULTS['runtime_addr']}].")] = None,
    workspace: Annotated[str | None, typer.Option(
        "--workspace", "-w", envvar="AGENTCTL_WORKSPACE", help="Workspace id.")] = None,
    key: Annotated[str | None, typer.Option(
        "--key", envvar="AGENTCTL_KEY", help="API key, sent as `authorization: Bearer`.")] = None,
    user: Annotated[str | None, typer.Option(
        "--user", envvar="AGENTCTL_USER", help="Author recorded for edits and publishes.",
    )] = None,
    tls_ca: Annotated[str | None, typer.Option(
        "--tls-ca", envvar="AGENTCTL_TLS_CA", metavar="FILE",
        help="CA certificate (PEM) to verify the servers; turns TLS on.")] = None,
    tls_cert: Annotated[str | None, typer.Option(
        "--tls-cert", envvar="AGENTCTL_TLS_CERT", metavar="FILE",
        help="Client certificate (PEM) for mTLS; needs --tls-key.")] = None,
    tls_key: Annotated[str | None, typer.Option(
        "--tls-key", envvar="AGENTCTL_TLS_KEY", metavar="FILE",
        help="The client certificate's private key (PEM).")] = None,
    tls_server_name: Annotated[str | None, typer.Option(
        "--tls-server-name", envvar="AGENTCTL_TLS_SERVER_NAME", metavar="NAME",
        help="The name to check in the server certificate instead of the address's host.",
    )] = None,
    output: Annotated[Output | None, typer.Option(
        "--output", "-o", case_sensitive=False, show_default=False,
        help="table (default), json or yaml, for the commands that print data; the same "
             "as after the command.")] = None,
) -> None:
    """Connection options come from flags (before the command or after it), then AGENTCTL_*
    variables, then the config file (~/.config/agentctl/config.yaml or $AGENTCTL_CONFIG)."""
    remember(ctx, {"config_addr": config_addr, "runtime_addr": runtime_addr,
                   "workspace": workspace, "key": key, "user": user, "tls_ca": tls_ca,
                   "tls_cert": tls_cert, "tls_key": tls_key,
                   "tls_server_name": tls_server_name})


app.add_typer(workspace.app, name="workspace")
app.add_typer(channels.app, name="channels")
app.add_typer(backups.app, name="backups")
app.add_typer(keys.app, name="keys")
app.add_typer(tests.app, name="test")
app.add_typer(conversations.app, name="conversations")
app.add_typer(rollouts.app, name="rollout")
app.add_typer(schedules.app, name="schedule")
draft.register(app)
versions.register(app)
publishing.register(app)
export.register(app)
status.register(app)
whoami.register(app)
audit.register(app)
chat.register(app)
dev.register(app)
completion.register(app)
accept_everywhere(app, connect, per_command=("output",))
