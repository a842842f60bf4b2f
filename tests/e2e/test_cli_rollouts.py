"""agentctl for deploys with confidence (issue 12): publish --stage, rollout start / step /
status / promote / abort / list, publish --at and schedule list / cancel, and their
refusals as one line."""

from __future__ import annotations

import pytest

from tests.e2e.test_cli import Cli, cli, start
from tests.e2e.test_cli_runtime import edited_support

pytestmark = [pytest.mark.postgres, pytest.mark.redis]
__all__ = ["cli"]


async def _staged(cli: Cli, ws_id: str, tmp_path: object, text: str) -> None:
    await cli.ok("apply", "-f", edited_support(tmp_path, "politely", text))  # type: ignore[arg-type]
    out = (await cli.ok("publish", "-m", "candidate", "--stage", "--yes")).out
    assert "Staged v2 (Production is still v1)" in out, out


async def test_stage_roll_out_step_promote(cli: Cli, ws_id: str, tmp_path: object) -> None:
    await start(cli, ws_id, publish=True)
    await _staged(cli, ws_id, tmp_path, "briefly")
    started = await cli.data("rollout", "start", "v2", "--steps", "10,50,100",
                             "--guard", "error_rate > production + 2%, min 200")
    assert (started["rollout"]["share_bp"], started["rollout"]["steps_bp"]) == (
        1000, [1000, 5000, 10000])
    refused = await cli("publish", "-m", "live", "--yes")
    assert refused.code != 0 and "in progress" in refused.err, refused
    stepped = await cli.data("rollout", "step")
    assert stepped["rollout"]["share_bp"] == 5000
    shown = (await cli.ok("rollout", "status")).out
    assert "v2 to 50% of new conversations" in shown and "error_rate > production" in shown
    await cli.ok("rollout", "promote", "--yes")
    history = await cli.data("history")
    assert history["versions"][0]["number"] == 2
    assert (await cli.data("status", "--no-runtime"))[0]["production_version"] == 2
    listed = (await cli.ok("rollout", "list")).out
    assert "promoted" in listed


async def test_abort_and_refusals(cli: Cli, ws_id: str, tmp_path: object) -> None:
    await start(cli, ws_id, publish=True)
    await _staged(cli, ws_id, tmp_path, "briefly")
    bad = await cli("rollout", "start", "v2", "--steps", "50,10")
    assert bad.code == 2 and "steps must rise" in bad.err, bad
    older = await cli("rollout", "start", "v1", "--percent", "10")
    assert older.code != 0 and "not newer than Production" in older.err, older
    await cli.ok("rollout", "start", "v2", "--percent", "10")
    await cli.ok("rollout", "abort", "--reason", "too slow", "--yes")
    status = await cli.data("rollout", "status")
    assert (status["rollout"]["phase"], status["rollout"]["end_reason"]) == (
        "ROLLOUT_PHASE_ABORTED", "too slow")
    nothing = await cli("rollout", "promote", "--yes")
    assert nothing.code != 0 and "no rollout in progress" in nothing.err, nothing


async def test_publish_at_and_cancel(cli: Cli, ws_id: str, tmp_path: object) -> None:
    await start(cli, ws_id, publish=True)
    await cli.ok("apply", "-f", edited_support(tmp_path, "politely", "kindly"))  # type: ignore[arg-type]
    out = (await cli.ok("publish", "-m", "tomorrow", "--at", "+1d", "--yes")).out
    assert "Scheduled s-" in out and "frozen" in out, out
    listed = await cli.data("schedule", "list")
    assert [s["state"] for s in listed] == ["SCHEDULE_STATE_PENDING"]
    await cli.ok("schedule", "cancel", listed[0]["schedule_id"])
    assert (await cli.data("schedule", "list"))[0]["state"] == "SCHEDULE_STATE_CANCELLED"
    bad = await cli("publish", "-m", "x", "--at", "yesterday-ish", "--yes")
    assert bad.code == 2 and "is not a time" in bad.err, bad
