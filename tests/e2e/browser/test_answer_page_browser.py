"""The answer page in a real browser: headless Chromium on a phone-sized screen, JavaScript off, answered
with the keyboard and by tapping labels, the way a business owner (or a screen-reader user) would.

SQLite only: the HTTP tests in tests/bot/test_web_answer.py cover both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from bot.bootstrap import App
from tests.browser import phone
from tests.live_server import LiveServer
from tests.scenario import municipality

pytestmark = pytest.mark.browser

SCREENSHOT = "/tmp/samrad-answer-page.png"




@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    with phone(browser) as context:
        yield context.new_page()


def link(app: App, web: LiveServer) -> str:
    town = municipality(app)
    return app.answer_url(town.contact_ids[0], town.consultation_id).replace(app.settings.public_url, web.url)


UNNAMED = re.compile(r"^\s*- (radio|checkbox|textbox|button|spinbutton|group|combobox)\s*(\[[^\]]*\])?:?\s*$")


def assert_every_control_is_named(page: Page) -> None:
    """Each control in the form has an accessible name (what a screen reader says for it)."""
    tree = page.locator("form").aria_snapshot()
    unnamed = [line for line in tree.splitlines() if UNNAMED.match(line)]
    assert not unnamed, f"controls without an accessible name:\n{tree}"


def tab_to(page: Page, target: Locator, *, limit: int = 12) -> None:
    """Press Tab until `target` has the keyboard focus (fails if it never gets it)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return
    raise AssertionError(f"{target} never got the focus with Tab")


def next_question(page: Page) -> None:
    """Go to "Nästa" with the keyboard and press Enter."""
    tab_to(page, page.get_by_role("button", name="Nästa"))
    page.keyboard.press("Enter")


def test_a_business_owner_answers_on_a_phone_with_keyboard_and_taps_and_no_javascript(
    app: App, web: LiveServer, page: Page
) -> None:
    page.goto(link(app, web))
    expect(page.get_by_role("heading", level=1)).to_have_text("Trafiken under byggtiden i Mörby centrum")
    expect(page.get_by_text("allmän handling", exact=False)).to_be_visible()

    # 1. Påverkas ert företag? — Tab to "Ja", Space to choose, Tab to "Nästa", Enter.
    affected = page.get_by_role("group", name="Påverkas ert företag av ombyggnaden?")
    expect(affected).to_be_visible()
    assert_every_control_is_named(page)
    tab_to(page, affected.get_by_role("radio", name="Ja"))
    page.keyboard.press("Space")
    expect(affected.get_by_role("radio", name="Ja")).to_be_checked()
    next_question(page)

    # 2. A scale: the arrow keys move along a radio group.
    scale = page.get_by_role("group", name=re.compile("Hur mycket påverkas ni"))
    assert_every_control_is_named(page)
    tab_to(page, scale.get_by_role("radio", name="1"))
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(scale.get_by_role("radio", name="4")).to_be_checked()
    next_question(page)

    # 3. Several choices: tap two labels, tick a third with Space and untick it again.
    concerns = page.get_by_role("group", name="Vad oroar er mest?")
    assert_every_control_is_named(page)
    concerns.get_by_text("Leveranser", exact=True).tap()
    concerns.get_by_text("Buller och damm", exact=True).tap()
    signage = concerns.get_by_role("checkbox", name="Skyltning")
    tab_to(page, signage)
    page.keyboard.press("Space")
    expect(signage).to_be_checked()
    page.keyboard.press("Space")
    expect(signage).not_to_be_checked()
    page.screenshot(path=SCREENSHOT, full_page=True)
    next_question(page)

    # 4. One choice, by its label.
    page.get_by_role("radio", name="Kväll").check()
    next_question(page)

    # 5. A number: a wrong one is refused with an alert tied to the field, which keeps what was typed
    #    and has the focus again. A count of people takes whole numbers only.
    staff = page.get_by_role("textbox", name="Hur många arbetar i verksamheten?")
    assert_every_control_is_named(page)
    tab_to(page, staff)
    page.keyboard.type("många")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("”många” är inte ett tal")
    expect(page).to_have_title(re.compile("^Fel: "))
    staff = page.get_by_role("textbox", name="Hur många arbetar i verksamheten?")
    expect(staff).to_be_focused()
    expect(staff).to_have_attribute("aria-invalid", "true")
    expect(staff).to_have_value("många")
    expect(staff).to_have_accessible_description(re.compile("inte ett tal"))
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("3,5")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("”3,5” är inte ett heltal")
    expect(page.get_by_role("textbox", name="Hur många arbetar i verksamheten?")).to_have_value("3,5")
    page.keyboard.press("ControlOrMeta+A")
    page.keyboard.type("1 200")
    page.keyboard.press("Enter")

    # 6. A date, typed the way the hint says (a text field: no mm/dd/yyyy picker under a Swedish locale).
    start = page.get_by_role("textbox", name=re.compile("Från vilket datum"))
    assert_every_control_is_named(page)
    expect(start).to_have_attribute("type", "text")
    expect(start).to_have_accessible_description(re.compile("15 mars eller 2025-03-15"))
    start.fill("32 mars")
    next_question(page)
    expect(page.get_by_role("alert")).to_contain_text("Det datumet finns inte")
    start = page.get_by_role("textbox", name=re.compile("Från vilket datum"))
    expect(start).to_have_value("32 mars")
    start.fill("15 mars")
    next_question(page)

    # 7. Free text.
    comments = page.get_by_role("textbox", name=re.compile("Något mer ni vill att kommunen ska veta"))
    tab_to(page, comments)
    page.keyboard.type("Leveranser före kl. 7, tack.")
    next_question(page)

    # The summary: each question with its answer and its own change button, named after the question.
    summary = page.locator(".summary-list")
    for shown in ("Ja", "4 av 5", "Leveranser, Buller och damm", "Kväll", "1\u00a0200", "15 mars 2025",
                  "Leveranser före kl. 7, tack."):
        expect(summary).to_contain_text(shown)
    expect(summary.get_by_role("button")).to_have_count(7)
    change_staff = page.get_by_role("button", name="Ändra: Hur många arbetar i verksamheten?", exact=True)
    tab_to(page, change_staff, limit=20)
    page.keyboard.press("Enter")
    staff = page.get_by_role("textbox", name="Hur många arbetar i verksamheten?")
    expect(staff).to_have_value("1200")
    staff.fill("12")
    next_question(page)
    expect(page.locator(".summary-list")).to_contain_text("12")
    assert_every_control_is_named(page)
    page.set_viewport_size({"width": 320, "height": 640})  # a small phone: nothing runs off the side
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    send = page.get_by_role("button", name="Ja, skicka in")
    tab_to(page, send)
    page.keyboard.press("Enter")
    expect(page.get_by_text("Tack! Dina svar är inskickade.")).to_be_visible()
