"""Two people, two browser sessions: one reviews revision N and opens the publish
confirmation, the other edits the Draft meanwhile; the confirm is refused and shown as a
conflict with the new diff (nothing published), and the new revision publishes after a
fresh review."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import SignIn
from tests.browser.topology import Workspace


def test_a_draft_changed_meanwhile_is_a_conflict(sign_in: SignIn, ws: Workspace) -> None:
    alice, bob = sign_in("publisher"), sign_in("editor")
    bob.goto("/draft/agent/refunds")
    editor = bob.get_by_label("Spec (YAML)")
    editor.fill(editor.input_value().replace("temperature: 0.2", "temperature: 0.3"))
    bob.get_by_role("button", name="Save to Draft").click()
    expect(bob.locator("#saved")).to_be_visible()

    alice.goto("/review")
    alice.locator("#publish").click()
    reviewed = int(alice.locator("#reviewed").inner_text())
    alice.get_by_label("Message").fill("only the temperature")

    bob.goto("/draft/voice/warm")
    editor = bob.get_by_label("Spec (YAML)")
    editor.fill(editor.input_value().replace("voice_name: Aria", "voice_name: Nova"))
    bob.get_by_role("button", name="Save to Draft").click()
    expect(bob.locator("#saved")).to_be_visible()

    alice.locator("#confirm-publish").click()
    expect(alice.locator("#conflict")).to_be_visible()
    expect(alice.get_by_role("alert")).to_contain_text(f"You reviewed revision {reviewed}")
    expect(alice.locator("[data-entity='voice/warm']")).to_contain_text("Nova")
    alice.goto("/history")
    expect(alice.locator("#v2")).to_have_count(0)  # nothing was published

    alice.goto("/review")
    alice.locator("#publish").click()
    assert int(alice.locator("#reviewed").inner_text()) == reviewed + 1
    alice.get_by_label("Message").fill("temperature and voice")
    alice.locator("#confirm-publish").click()
    expect(alice).to_have_url(re.compile(r"/rollout/2$"))
