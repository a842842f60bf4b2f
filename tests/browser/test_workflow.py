"""The seed workflow through the console only, as the source document describes it: edit
the Draft (a bad value is shown next to its field first), talk to it in the internal chat
(the reply streamed) and keep the conversation as a test case, review the diff with the
suite's result on the reviewed revision, confirm the publish, watch the rollout reach every
replica, find it in the history, "Edit this version" on v1 (told where the replaced Draft
went), publish again."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import SignIn
from tests.browser.topology import Workspace

OLD = "You are the store's concierge. Be warm and precise."
NEW = "You are the store's concierge.\nAnswer in two sentences at most."


def nav(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name,
                                                           exact=True).click()


def _edit_concierge(page: Page) -> None:
    nav(page, "Draft")
    page.get_by_role("link", name="concierge", exact=True).click()
    editor = page.get_by_label("Spec (YAML)")
    text = editor.input_value()
    editor.fill(text.replace("temperature: 0.4", "temperature: 9"))
    page.get_by_role("button", name="Save to Draft").click()
    problems = page.locator("#spec-problems")
    expect(problems).to_contain_text("temperature")
    line = problems.locator("[data-line]").first
    number = int(line.get_attribute("data-line") or 0)
    assert text.splitlines()[number - 1].startswith("temperature:")
    editor = page.get_by_label("Spec (YAML)")
    assert "temperature: 9" in editor.input_value()  # what was typed is kept for fixing
    fixed = text.replace(f"instructions: {OLD}", "instructions: |-\n  " +
                         NEW.replace("\n", "\n  "))
    assert fixed != text
    editor.fill(fixed)
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("#saved")).to_be_visible()


def _chat(page: Page) -> None:
    nav(page, "Chat")
    page.get_by_label("Talk to").select_option("agent/concierge")
    page.get_by_role("button", name="Switch").click()
    page.get_by_label("Message").fill("Where is my order?")
    page.get_by_role("button", name="Send").click()
    turn = page.locator(".turn").last
    expect(turn.locator(".answering")).to_have_text("concierge")
    expect(turn.locator(".served")).to_have_text(re.compile(r"draft revision \d+"))
    expect(turn.locator(".trace pre")).to_contain_text("Answer in two sentences at most.",
                                                        use_inner_text=False)
    page.get_by_label("Test case id").fill("order-question")
    page.get_by_role("button", name="Save this conversation as a test case").click()
    expect(page.locator("#case-saved")).to_contain_text("order-question")
    page.get_by_role("button", name="New conversation").click()
    expect(page.locator(".turn")).to_have_count(0)
    page.get_by_text("Context (what conditional prompts see)").click()
    page.get_by_label("Tags (comma-separated)").fill("vip")
    page.get_by_label("Message").fill("Can I get a callback?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".turn .served")).to_have_count(1)
    expect(page.locator(".turn .trace")).to_contain_text("vip")


def _publish(page: Page, message: str) -> int:
    """Review (and run the suite), confirm, follow the rollout; the new version's number."""
    nav(page, "Diff & publish")
    entry = page.locator("[data-entity='agent/concierge']")
    expect(entry).to_contain_text("instructions")
    expect(entry.locator("pre.lines")).to_contain_text("Answer in two sentences at most.")
    expect(page.locator(".radius")).to_contain_text("front-desk")
    page.locator("#run-suite").click()  # the suite beside the diff, on this revision
    expect(page.locator("#suite-result")).to_contain_text("1 passed, 0 failed")
    page.locator("#publish").click()
    reviewed = page.locator("#reviewed").inner_text()
    expect(page.locator("[data-entity='agent/concierge']")).to_be_visible()
    page.get_by_label("Message").fill(message)
    page.get_by_role("button", name=f"Publish revision {reviewed}").click()
    page.wait_for_url(re.compile(r"/rollout/\d+$"))
    expect(page.locator("#rollout-done")).to_contain_text("live on every replica (2 of 2)")
    return int(page.url.rsplit("/", 1)[1])


def test_seed_workflow_through_the_console(sign_in: SignIn, ws: Workspace) -> None:
    page = sign_in("publisher")
    expect(page.locator("#production")).to_have_text("v1")
    _edit_concierge(page)
    nav(page, "Overview")
    expect(page.locator("#draft-state")).to_contain_text("differs from Production: 1 entity")
    _chat(page)
    assert _publish(page, "shorter answers") == 2
    nav(page, "History")
    expect(page.locator("#v2")).to_contain_text("shorter answers")
    expect(page.locator("#v2 .origin")).to_contain_text("draft revision")
    page.locator("#v1").get_by_role("link", name="Edit this version").click()
    expect(page.get_by_text("kept as a Draft backup")).to_be_visible()
    page.get_by_role("button", name="Replace the Draft with v1").click()
    expect(page.locator("#restored")).to_contain_text("v1's content")
    backup = page.locator("#backup code").first.inner_text()
    assert backup
    nav(page, "Backups")
    expect(page.get_by_text(backup)).to_be_visible()
    page.go_back()
    page.get_by_role("link", name="Review the diff and publish").click()
    entry = page.locator("[data-entity='agent/concierge']")
    expect(entry.locator("pre.lines")).to_contain_text(OLD)
    page.locator("#publish").click()
    page.get_by_label("Message").fill("back to v1")
    page.locator("#confirm-publish").click()
    expect(page.locator("#rollout-done")).to_contain_text("live on every replica (2 of 2)")
    nav(page, "History")
    expect(page.locator("#v3 .origin")).to_have_text("restored from v1")
    nav(page, "Overview")
    expect(page.locator("#production")).to_have_text("v3")
    expect(page.locator("#draft-state")).to_have_text("same as Production")
