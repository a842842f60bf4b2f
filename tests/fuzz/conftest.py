from __future__ import annotations

from typing import Any

from tests.fuzz.profiles import NAME
from tests.fuzz.world import CODES, COUNTS, METHODS


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The count of what the fuzz tests sent, e.g. for docs/fuzzing.md and the closing note."""
    if not COUNTS:
        return
    terminalreporter.section("fuzz")
    for kind in sorted(COUNTS):
        codes = ", ".join(f"{code} {n}" for code, n in CODES[kind].most_common())
        terminalreporter.write_line(
            f"fuzz ({NAME} profile): {COUNTS[kind]} {kind} calls over {len(METHODS[kind])} "
            f"RPCs: {codes}")
