"""Screenshots of the console's main pages for docs/console.md, taken from the running
embedded mode: starts ``agentconfig-dev`` on free ports in a temporary data directory,
signs in with its operator key in Debian's Chromium (Playwright), walks the seed workflow
(edit, chat, save it as a test case, run the suite beside the diff, publish, rollout,
history, edit this version) and saves a PNG per page
into docs/console/. Run: .venv/bin/python scripts/console_screenshots.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.console_bench import embedded  # noqa: E402

OUT = ROOT / "docs" / "console"
CHROMIUM = os.environ.get("AGENTCONFIG_CHROMIUM", "/usr/bin/chromium")
SIZE: ViewportSize = {"width": 1200, "height": 760}


def shot(page: Page, name: str) -> None:
    page.screenshot(path=str(OUT / f"{name}.png"))
    print(f"docs/console/{name}.png")


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name,
                                                           exact=True).click()


def edit(page: Page) -> None:
    page.goto("/draft/agent/concierge")
    editor = page.get_by_label("Spec (YAML)")
    text = editor.input_value()
    editor.fill(text.replace("temperature: 0.4", "temperature: 9"))
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("#spec-problems .problems")).to_be_visible()
    shot(page, "entity-problem")
    editor = page.get_by_label("Spec (YAML)")
    longer = "instructions: |-\n  You are the store's concierge. Be warm and precise.\n" \
        "  Answer in two sentences at most."
    editor.fill(text.replace("instructions: You are the store's concierge. Be warm and "
                             "precise.", longer))
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("#saved")).to_be_visible()


def walk(page: Page) -> None:
    nav(page, "Draft")
    shot(page, "draft")
    page.goto("/draft/agent/concierge/form")
    shot(page, "entity-form")
    edit(page)
    nav(page, "Chat")
    page.get_by_label("Talk to").select_option("squad/front-desk")
    page.get_by_role("button", name="Switch").click()
    for message in ("Where is my order?", "I want a refund"):
        page.get_by_label("Message").fill(message)
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".turn").last.locator(".reply")).to_be_visible()
    page.locator(".turn").last.locator("summary").click()
    shot(page, "chat")
    page.get_by_label("Test case id").fill("refund-handoff")
    page.get_by_role("button", name="Save this conversation as a test case").click()
    nav(page, "Diff & publish")
    page.locator("#run-suite").click()
    expect(page.locator("#suite-result")).to_be_visible()
    shot(page, "review")
    page.locator("#publish").click()
    page.get_by_label("Message").fill("shorter answers")
    shot(page, "confirm")
    page.locator("#confirm-publish").click()
    expect(page.locator("#rollout-done")).to_be_visible()
    shot(page, "rollout")
    nav(page, "History")
    shot(page, "history")
    page.goto("/diff?from=1&to=2")
    shot(page, "diff-versions")
    page.goto("/versions/1/restore")
    shot(page, "edit-this-version")
    page.get_by_role("button", name="Replace the Draft with v1").click()
    shot(page, "restored")
    nav(page, "Overview")
    shot(page, "overview")
    for name in ("Channels", "API keys", "Audit log"):
        nav(page, name)
        shot(page, name.lower().replace(" ", "-"))


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with embedded() as running, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(base_url=running.console, viewport=SIZE)
        page.set_default_timeout(15_000)
        page.goto("/signin")
        shot(page, "signin")
        page.get_by_label("API key").fill(running.key)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/")
        walk(page)
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto("/review")
        shot(page, "phone-review")
        browser.close()


if __name__ == "__main__":
    main()
