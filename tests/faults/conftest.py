from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.conftest import _unavailable
from tests.faults.world import FIGURES, World, build, tear_down
from tests.harness.servers import ServerUnavailable


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    root = Path(tmp_path_factory.mktemp("faults"))
    try:
        built = await build(root)
    except (ServerUnavailable, OSError) as exc:
        _unavailable("the fault-matrix topology", exc)
    yield built
    await tear_down(built)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """The measured figures, e.g. for docs/reliability.md and the closing note."""
    if not FIGURES:
        return
    terminalreporter.section("fault matrix")
    for fault, measured in FIGURES:
        terminalreporter.write_line(f"{fault}: {measured}")
