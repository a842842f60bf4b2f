"""The quality bar the issue sets, checked in the browser: signing in works with the
keyboard alone, every visible form field of the main pages has a label, and at phone width
(390 px) no page is wider than the screen (wide tables scroll inside themselves)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import SignIn
from tests.browser.topology import Topology, Workspace

PAGES = ["/", "/draft", "/draft/agent/concierge", "/draft/new", "/review", "/history",
         "/versions/1", "/chat", "/channels", "/backups", "/keys", "/audit"]
UNLABELLED = """() => Array.from(document.querySelectorAll(
    'input:not([type=hidden]), select, textarea'))
  .filter(el => el.offsetParent !== null && !el.labels.length && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id || el.outerHTML)"""


def test_sign_in_with_the_keyboard_alone(browser: Browser, contexts: list[BrowserContext],
                                         topo: Topology, ws: Workspace) -> None:
    context = browser.new_context(base_url=topo.console.url)
    contexts.append(context)
    page = context.new_page()
    page.goto("/signin")
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")
    page.keyboard.type(ws.keys["editor"])
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type(ws.workspace_id)
    page.keyboard.press("Enter")
    expect(page.locator("#my-role")).to_have_text("editor")


def test_every_field_has_a_label(sign_in: SignIn) -> None:
    page = sign_in("admin")
    for path in PAGES:
        page.goto(path)
        assert page.evaluate(UNLABELLED) == [], path


@pytest.mark.parametrize("path", ["/", "/draft", "/review", "/history", "/chat", "/keys"])
def test_readable_at_phone_width(sign_in: SignIn, path: str) -> None:
    page: Page = sign_in("admin")
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(path)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{path} is {width}px wide"
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert re.search(r"\S", page.locator("main").inner_text())
