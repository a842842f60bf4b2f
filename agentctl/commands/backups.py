"""``backups list`` and ``backups restore ID``: the Draft content a rollback (or an earlier
restore) replaced is kept as a backup, and comes back into the Draft from here."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from agentconfig.v1 import config_service_pb2 as cpb
from agentctl.commands import conn
from agentctl.output import OUTPUT_OPTION, Output, as_dict, emit, note, row, say, table, when

app = typer.Typer(no_args_is_help=True,
                  help="Draft content replaced by a rollback or a restore, recoverable.")


@app.command("list")
def list_(ctx: typer.Context, output: Output = OUTPUT_OPTION) -> None:
    """List the Draft backups, with the Draft revision each one holds."""
    rows = conn(ctx).backups()

    def draw() -> Table:
        t = table("BACKUP", "DRAFT REV", "ENTITIES", "CREATED (UTC)", "BY", "REASON")
        for b in rows:
            row(t, b.backup_id, b.draft_revision, b.entity_count, when(b.create_time),
                b.created_by, b.reason)
        return t

    emit([as_dict(b) for b in rows], output, draw)


@app.command("restore")
def restore(ctx: typer.Context,
            backup_id: Annotated[str, typer.Argument(metavar="BACKUP_ID")]) -> None:
    """Replace the Draft with a backup's content; what it replaces becomes a backup too."""
    c = conn(ctx)
    draft = c.call(c.stub.GetDraft, cpb.GetDraftRequest(workspace_id=c.workspace)).draft
    restored = c.call(c.stub.RestoreDraftBackup, cpb.RestoreDraftBackupRequest(
        workspace_id=c.workspace, backup_id=backup_id, draft_revision=draft.revision))
    say(f"Draft now holds backup {backup_id}'s content (revision {restored.draft_revision}); "
        f"the replaced Draft is kept as backup {restored.backup_id}")
    note(f"Review with `agentctl -w {c.workspace} diff`; undo with `agentctl -w "
         f"{c.workspace} backups restore {restored.backup_id}`")
