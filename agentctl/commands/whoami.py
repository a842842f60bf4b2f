"""``agentctl whoami``: which key this is (its id, workspace, role and a channel key's
channels), asked of the config service, so a user knows what the key may do before a
command is refused."""

from __future__ import annotations

from typing import Any

import typer
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.commands import conn
from agentctl.commands.keys import role_word
from agentctl.output import OUTPUT_OPTION, Output, emit


def whoami(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """Who the key is: its kind, id, workspace and role."""
    connection = conn(ctx)
    caller = connection.call(connection.stub.GetCaller, cpb.GetCallerRequest())
    data: dict[str, Any] = {"name": caller.name, "kind": caller.kind, "key_id": caller.key_id,
                            "workspace_id": caller.workspace_id,
                            "role": role_word(caller.role).replace("?", "none"),
                            "channel_ids": list(caller.channel_ids)}

    def draw() -> Text:
        where = f"workspace {caller.workspace_id!r}" if caller.workspace_id else \
            "every workspace"
        line = f"{caller.name}: {data['role']} on {where}"
        if caller.channel_ids:
            line += f" (channels: {', '.join(caller.channel_ids)})"
        return Text(line)

    emit(data, output, draw)


def register(app: typer.Typer) -> None:
    app.command()(whoami)
