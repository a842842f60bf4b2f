"""One Chromium for the whole folder (Debian's package, driven by Playwright), the real
topology behind the console, a fresh workspace per test, and a screenshot of every open
page when a test fails (test-artifacts/). In CI (CI=true) or with
AGENTCONFIG_REQUIRE_SERVERS=1 a missing browser fails the run instead of skipping it.

Package scope, not session: Playwright's sync API keeps its own event loop running in this
thread while it is open, which the suite's asyncio tests cannot share; it is closed once the
last browser test is done."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.browser import topology
from tests.conftest import REQUIRED
from tests.harness.servers import PostgresServer, RedisServer

CHROMIUM = os.environ.get("AGENTCONFIG_CHROMIUM", "/usr/bin/chromium")
# a loaded CI machine: assertions wait as long as actions do, not Playwright's 5 s
expect.set_options(timeout=15_000)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SignIn = Callable[[str], Page]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None],
                              ) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if report.when == "call":
        item.stash[FAILED] = report.failed


FAILED = pytest.StashKey[bool]()


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        message = (f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                   "AGENTCONFIG_CHROMIUM)")
        if REQUIRED:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM,
                                              args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def topo(postgres: PostgresServer, redis_server: RedisServer,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[topology.Topology]:
    database = postgres.create_database("console_browser")
    running = topology.start(tmp_path_factory.mktemp("console"), database, redis_server.url)
    yield running
    running.stop()


@pytest.fixture
def ws(topo: topology.Topology) -> topology.Workspace:
    return topology.workspace(topo)


@pytest.fixture
def contexts(browser: Browser, request: pytest.FixtureRequest,
             ) -> Iterator[list[BrowserContext]]:
    """Every context a test opens; on failure each open page is saved as a PNG."""
    opened: list[BrowserContext] = []
    yield opened
    failed = request.node.stash.get(FAILED, False)
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", request.node.nodeid.split("::")[-1])
    for i, context in enumerate(opened):
        for j, page in enumerate(context.pages):
            if failed:
                ARTIFACTS.mkdir(exist_ok=True)
                page.screenshot(path=str(ARTIFACTS / f"{name}-{i}-{j}.png"), full_page=True)
        context.close()


@pytest.fixture
def sign_in(browser: Browser, contexts: list[BrowserContext], topo: topology.Topology,
            ws: topology.Workspace) -> SignIn:
    """A new browser session signed in with the key of ``role`` in the test's workspace."""
    def open_as(role: str) -> Page:
        context = browser.new_context(base_url=topo.console.url,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.goto("/signin")
        page.get_by_label("API key").fill(ws.keys[role])
        page.get_by_label("Workspace").fill(ws.workspace_id)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        return page
    return open_as
