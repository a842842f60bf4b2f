"""``keys create --role R`` (the secret is printed once), ``keys list`` (never a secret),
``keys revoke KEY_ID``: the workspace's API keys (admin)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import typer
from google.protobuf.timestamp_pb2 import Timestamp
from rich.table import Table
from rich.text import Text

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.commands import conn
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, note, row, say, table, when

app = typer.Typer(no_args_is_help=True, help="Create, list and revoke API keys (admin).")


class RoleWord(StrEnum):
    viewer = "viewer"
    editor = "editor"
    publisher = "publisher"
    admin = "admin"
    channel = "channel"


ROLES: dict[str, cpb.Role.ValueType] = {
    "viewer": cpb.ROLE_VIEWER, "editor": cpb.ROLE_EDITOR, "publisher": cpb.ROLE_PUBLISHER,
    "admin": cpb.ROLE_ADMIN, "channel": cpb.ROLE_CHANNEL}
ROLE_WORDS = {value: word for word, value in ROLES.items()}
DURATION = re.compile(r"(\d+)([smhdw])")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def role_word(role: cpb.Role.ValueType) -> str:
    return ROLE_WORDS.get(role, "?")


def parse_expiry(text: str, now: datetime | None = None) -> datetime:
    """``30d`` (also s, m, h, w) from now, or an ISO 8601 time (UTC when it names no
    offset): ``2026-12-31T00:00:00Z``."""
    found = DURATION.fullmatch(text.strip())
    if found:
        amount = int(found[1])
        if amount < 1:
            raise typer.BadParameter(f"{text!r}: a duration must be at least 1")
        return (now or datetime.now(UTC)) + timedelta(**{UNITS[found[2]]: amount})
    try:
        moment = datetime.fromisoformat(text.strip().replace("z", "Z"))
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is neither a duration (30d, 12h, 2w) nor a time "
            "(2026-12-31T00:00:00Z)") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def key_data(k: cpb.ApiKey) -> dict[str, Any]:
    data = as_dict(k)
    data["role"] = role_word(k.role)
    return data


@app.command("create")
def create(
    ctx: typer.Context,
    role: Annotated[RoleWord, typer.Option("--role", case_sensitive=False,
                                           help="What the key may do.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")] = "",
    expires: Annotated[str | None, typer.Option(
        "--expires", metavar="DURATION|TIME",
        help="30d, 12h, 2w ... from now, or a time such as 2026-12-31T00:00:00Z "
             "(default: never).")] = None,
    channel: Annotated[list[str] | None, typer.Option(
        "--channel", metavar="ID",
        help="--role channel only: a channel the key may resolve (repeatable; none: all).",
    )] = None,
    output: Output = OUTPUT_OPTION,
) -> None:
    """Create an API key in the workspace. The secret is printed once: store it now."""
    if channel and role != RoleWord.channel:
        raise typer.BadParameter("--channel only applies to --role channel",
                                 param_hint="--channel")
    request = cpb.CreateApiKeyRequest(role=ROLES[role.value], display_name=name,
                                      channel_ids=channel or [])
    if expires is not None:
        stamp = Timestamp()
        stamp.FromDatetime(parse_expiry(expires))
        request.expire_time.CopyFrom(stamp)
    c = conn(ctx)
    request.workspace_id = c.workspace
    created = c.call(c.stub.CreateApiKey, request)
    key = created.api_key
    if output != Output.table:
        emit({"api_key": key_data(key), "secret": created.secret}, output, lambda: None)
        return
    what = f"created API key {key.key_id} ({role_word(key.role)}"
    what += f', "{key.display_name}")' if key.display_name else ")"
    what += f" in workspace {key.workspace_id}"
    what += f", expires {when(key.expire_time)} UTC" if key.HasField("expire_time") else ""
    note(what)
    say(created.secret)  # stdout holds the secret alone: KEY=$(agentctl keys create ...)
    note(Text("store this secret now: it cannot be shown again", style="bold yellow"))


@app.command("list")
def list_(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """The workspace's API keys (never their secrets), revoked ones included."""
    keys = conn(ctx).api_keys()

    def draw() -> Table:
        t = table("ID", "ROLE", "NAME", "CREATED (UTC)", "CREATED BY", "EXPIRES (UTC)",
                  "REVOKED (UTC)", "CHANNELS")
        for k in keys:
            row(t, k.key_id, role_word(k.role), k.display_name, when(k.create_time),
                k.created_by, when(k.expire_time) or "never", when(k.revoke_time) or "-",
                ", ".join(k.channel_ids) or ("all" if k.role == cpb.ROLE_CHANNEL else "-"))
        return t

    emit([key_data(k) for k in keys], output, draw)


@app.command("revoke")
def revoke(ctx: typer.Context,
           key_id: Annotated[str, typer.Argument(metavar="KEY_ID")]) -> None:
    """Revoke a key: it stops working at once, on both services."""
    c = conn(ctx)
    key = c.call(c.stub.RevokeApiKey, cpb.RevokeApiKeyRequest(
        workspace_id=c.workspace, key_id=key_id)).api_key
    say(f"revoked API key {key.key_id} ({role_word(key.role)}) at {when(key.revoke_time)} UTC")
