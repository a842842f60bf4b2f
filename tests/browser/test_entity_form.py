"""The per-field form beside the YAML editor, driven as a person would: a value the server
refuses is shown next to its field (nothing saved, what was typed kept), a fixed value and a
new tool chosen in the multi-select are saved and show on the Draft and in the diff, a
conditional prompt is created through the form, a stale form is refused as a conflict, and
the form pages are labelled, keyboard-usable and fit a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from agentconfig.v1 import config_service_pb2 as cpb
from agentconfig.v1 import entities_pb2 as pb
from tests.browser.conftest import SignIn
from tests.browser.test_usability import UNLABELLED
from tests.browser.topology import Topology, Workspace, auth

FORMS = ["/draft/agent/concierge/form", "/draft/squad/front-desk/form",
         "/draft/tool/order-status/form", "/draft/mcp-server/x/form", "/draft/new/form"]
PROMPT = "It is late: keep it short.\nOffer a callback tomorrow."


def _get(topo: Topology, ws: Workspace, kind: pb.EntityKind.ValueType, entity_id: str,
         ) -> cpb.GetDraftEntityResponse:
    return topo.stub.GetDraftEntity(cpb.GetDraftEntityRequest(
        workspace_id=ws.workspace_id, kind=kind, entity_id=entity_id), metadata=auth())


def test_a_problem_shows_next_to_its_field_then_the_fix_is_saved(
        sign_in: SignIn, topo: Topology, ws: Workspace) -> None:
    page = sign_in("editor")
    page.goto("/draft/agent/concierge")
    page.get_by_role("navigation", name="Editor").get_by_role("link", name="Form").click()
    expect(page).to_have_url(re.compile(r"/draft/agent/concierge/form$"))
    page.get_by_label("Temperature").fill("9")
    page.get_by_label("Greeting").fill("Hello there!")
    page.get_by_role("button", name="Save to Draft").click()

    field = page.get_by_label("Temperature")
    problem = page.locator("#f-temperature-problems")
    expect(problem).to_contain_text("between 0.0 and 2.0")
    expect(page.locator("[data-field=temperature]")).to_contain_text("between 0.0 and 2.0")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", re.compile("f-temperature-problems"))
    expect(field).to_be_focused()  # a keyboard user lands on the field to fix
    expect(field).to_have_value("9")  # what was typed is kept
    expect(page.get_by_label("Greeting")).to_have_value("Hello there!")
    expect(page.get_by_label("Greeting")).not_to_have_attribute("aria-invalid", "true")
    saved = _get(topo, ws, pb.ENTITY_KIND_AGENT, "concierge").entity.entity.agent
    assert saved.temperature == pytest.approx(0.4) and saved.greeting != "Hello there!"

    field.fill("0.7")
    page.get_by_label("Tool ids").select_option(["order-status", "create-refund"])
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("#saved")).to_be_visible()
    expect(page.get_by_label("Temperature")).to_have_value("0.7")
    saved = _get(topo, ws, pb.ENTITY_KIND_AGENT, "concierge").entity.entity.agent
    assert saved.temperature == pytest.approx(0.7)
    assert list(saved.tool_ids) == ["order-status", "create-refund"]
    assert saved.greeting == "Hello there!"
    assert list(saved.conditional_prompt_ids) == ["vip", "portuguese", "whatsapp-brief"]

    page.goto("/draft")
    row = page.locator("tr", has=page.get_by_role("link", name="concierge", exact=True))
    expect(row).to_contain_text("tool/create-refund")
    page.goto("/review")
    entry = page.locator("[data-entity='agent/concierge']")
    expect(entry).to_contain_text("tool_ids")
    expect(entry).to_contain_text("create-refund")
    expect(entry).to_contain_text("0.7")

    page.goto("/draft/agent/concierge/form")
    page.get_by_role("navigation", name="Editor").get_by_role("link", name="YAML").click()
    expect(page.get_by_label("Spec (YAML)")).to_have_value(re.compile("temperature: 0.7"))


def test_create_a_conditional_prompt_through_the_form(sign_in: SignIn, topo: Topology,
                                                      ws: Workspace) -> None:
    page = sign_in("editor")
    page.goto("/draft/new")
    page.get_by_role("navigation", name="Editor").get_by_role("link", name="Form").click()
    page.get_by_label("Kind").select_option("conditional-prompt")
    page.get_by_role("button", name="Show its fields").click()
    page.get_by_label("Id", exact=True).fill("late-night")
    page.get_by_label("Name", exact=True).fill("Late at night")
    page.get_by_label("Condition", exact=True).fill('"night" in tags')
    page.get_by_label("Prompt", exact=True).fill(PROMPT)
    page.get_by_label("Priority", exact=True).fill("15")
    page.get_by_role("button", name="Create in Draft").click()
    expect(page).to_have_url(re.compile(r"/draft/conditional-prompt/late-night/form$"))
    expect(page.locator("#saved")).to_be_visible()
    made = _get(topo, ws, pb.ENTITY_KIND_CONDITIONAL_PROMPT, "late-night").entity.entity
    assert made.conditional_prompt == pb.ConditionalPrompt(
        name="Late at night", condition='"night" in tags', priority=15,
        prompt=PROMPT)


def test_a_stale_form_is_a_conflict_and_keeps_what_was_typed(
        sign_in: SignIn, topo: Topology, ws: Workspace) -> None:
    page = sign_in("editor")
    page.goto("/draft/voice/warm/form")
    page.get_by_label("Voice name").fill("Nova")
    found = _get(topo, ws, pb.ENTITY_KIND_VOICE, "warm")  # someone else saves meanwhile
    entity = found.entity.entity
    entity.voice.speed = 1.5
    topo.stub.UpdateDraftEntity(cpb.UpdateDraftEntityRequest(
        workspace_id=ws.workspace_id, entity=entity, etag=found.entity.etag), metadata=auth())
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.get_by_role("alert")).to_contain_text("Someone changed it")
    expect(page.get_by_label("Voice name")).to_have_value("Nova")
    voice = _get(topo, ws, pb.ENTITY_KIND_VOICE, "warm").entity.entity.voice
    assert voice.voice_name == "Aria" and voice.speed == pytest.approx(1.5)


def test_the_form_works_with_the_keyboard(sign_in: SignIn, topo: Topology,
                                          ws: Workspace) -> None:
    page = sign_in("editor")
    page.goto("/draft/agent/refunds/form")
    page.get_by_label("Component ids").focus()
    page.keyboard.press("Control+Home")
    page.keyboard.press("Control+Space")  # the one component, chosen without a mouse
    page.get_by_label("Conditional prompt ids").focus()
    page.keyboard.press("Control+End")
    page.keyboard.press("Control+Space")  # the last one (whatsapp-brief) added
    page.get_by_label("Language").focus()
    page.keyboard.press("Enter")  # submits the form, as in any form
    expect(page.locator("#saved")).to_be_visible()
    saved = _get(topo, ws, pb.ENTITY_KIND_AGENT, "refunds").entity.entity.agent
    assert list(saved.component_ids) == ["order-card"]
    assert list(saved.conditional_prompt_ids) == ["vip", "portuguese", "whatsapp-brief"]


def test_switching_editor_keeps_unsaved_edits(sign_in: SignIn, topo: Topology,
                                              ws: Workspace) -> None:
    page = sign_in("editor")
    page.goto("/draft/component/order-card/form")
    page.get_by_label("Type").select_option("COMPONENT_TYPE_BUTTONS")
    page.get_by_role("button", name="Continue in YAML").click()
    editor = page.get_by_label("Spec (YAML)")
    expect(editor).to_have_value(re.compile("type: buttons"))
    editor.fill(editor.input_value().replace("name: Order card", "name: Order buttons"))
    page.get_by_role("button", name="Continue in the form").click()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Order buttons")
    expect(page.get_by_label("Type")).to_have_value("COMPONENT_TYPE_BUTTONS")
    assert _get(topo, ws, pb.ENTITY_KIND_COMPONENT, "order-card").entity.entity.component \
        .name == "Order card"  # nothing saved by switching
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("#saved")).to_be_visible()
    saved = _get(topo, ws, pb.ENTITY_KIND_COMPONENT, "order-card").entity.entity.component
    assert (saved.name, saved.type) == ("Order buttons", pb.COMPONENT_TYPE_BUTTONS)


def test_form_pages_are_labelled_and_fit_a_phone(sign_in: SignIn, ws: Workspace) -> None:
    page = sign_in("admin")
    page.set_viewport_size({"width": 390, "height": 800})
    for path in FORMS:
        answer = page.goto(path)
        if "/x/" in path:  # no such entity: a readable page, not a stack trace
            assert answer is not None and answer.status == 404
            expect(page.locator("main")).not_to_contain_text("Traceback")
            continue
        assert page.evaluate(UNLABELLED) == [], path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide"
