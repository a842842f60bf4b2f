"""The publish confirmation's staged and scheduled fields read as API values (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from console import staging
from console.errors import Invalid, Problem


def test_steps_interval_and_channels_become_api_values() -> None:
    found = staging.plan("1, 10%,50", "30m", " web, api ,")
    assert found == staging.Plan((100, 1000, 5000), 1800, ("web", "api"))


def test_no_interval_means_by_hand_and_no_channels_means_all() -> None:
    assert staging.plan("12.5") == staging.Plan((1250,), 0, ())


@pytest.mark.parametrize(("steps", "every", "field"), [
    ("", "", "steps"), ("ten", "", "steps"), ("0", "", "steps"), ("150", "", "steps"),
    ("10", "soon", "every"), ("10", "0m", "every")])
def test_bad_input_names_its_field(steps: str, every: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        staging.plan(steps, every)
    assert [p.field for p in caught.value.problems] == [field]


def test_falling_steps_are_left_to_the_rule_check() -> None:
    found = staging.plan("50,10")  # the server refuses these (BAD_STEPS) for a schedule
    with pytest.raises(Invalid) as caught:
        staging.check(found)  # and the staged publish checks them before writing anything
    assert caught.value.problems[0].field == "steps"
    assert "rise" in caught.value.problems[0].description
    staging.check(staging.plan("1,10,50"))


def test_run_at_reads_a_local_datetime_as_utc() -> None:
    assert staging.run_at("2026-12-01T09:00") == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    assert staging.run_at("2026-12-01T10:00+01:00") == datetime(2026, 12, 1, 9, 0,
                                                                tzinfo=UTC)
    with pytest.raises(Invalid) as caught:
        staging.run_at("")
    assert caught.value.problems[0].field == "run_at"


def test_server_violations_land_next_to_their_form_field() -> None:
    problems = [Problem("channels[1]", "channel 'x' does not exist"),
                Problem("run_time", "must be in the future"), Problem("steps", "must rise"),
                Problem("every_seconds", "too long"), Problem("message", "too long")]
    shown = staging.by_field(problems)
    assert set(shown) == {"channels", "run_at", "steps", "every", "message"}
    assert shown["channels"] == ["channels[1]: channel 'x' does not exist"]
