"""The education pages and the decision aid in a real browser: on a 360px phone and a desktop, by keyboard, and
in both languages."""

from __future__ import annotations

import pytest
from layout_checks import assert_no_sideways_scroll, assert_usable, first_screen, has_visible_focus
from playwright.sync_api import Page, expect

from spinepath.core.knowledge import load_knowledge

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # whitenoise looks for collected static files; the live server serves them from the app folders instead.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


def check_my_symptoms(page: Page):
    return page.get_by_role("main").get_by_role("link", name="Check my symptoms")


def compare_link(page: Page):
    return page.get_by_role("main").get_by_role("link", name="Compare all the options side by side")


def show_my_answers(page: Page):
    return page.get_by_role("button", name="Show my answers side by side")


def think_it_through(page: Page):
    return page.get_by_role("main").get_by_role("link", name="Think through what matters most to you")


KB = load_knowledge()
BUTTON = 44  # px each way: the site's own minimum for buttons (site.css), above WCAG 2.5.8's 24

# name (for the screenshot), address, heading, the page's main call to action, its minimum size
EDUCATION_PAGES = [
    ("home", "/en/", "Back and leg pain: what are your options?", check_my_symptoms, BUTTON),
    ("condition", "/en/conditions/lumbar_spinal_stenosis/", KB.condition("lumbar_spinal_stenosis").name,
     compare_link, 0),
    ("procedure", "/en/procedures/mild/", KB.procedure("mild").name, compare_link, 0),
    ("compare", "/en/procedures/compare/", "Compare the options", think_it_through, 0),
    ("compare-cards", "/en/procedures/compare/?view=cards", "Compare the options", think_it_through, 0),
    ("decide", "/en/decide/", "Help me decide", show_my_answers, BUTTON),
]


@pytest.mark.parametrize(("name", "path", "heading", "call_to_action", "min_size"), EDUCATION_PAGES,
                         ids=[row[0] for row in EDUCATION_PAGES])
def test_every_education_page_fits_a_phone_and_its_call_to_action_can_be_tapped(
        live_server, phone, screenshot, name, path, heading, call_to_action, min_size):
    phone.goto(live_server.url + path)
    expect(phone.get_by_role("heading", level=1)).to_have_text(heading)
    assert_no_sideways_scroll(phone)
    assert_usable(phone.get_by_role("navigation", name="Main").get_by_role("link", name="Check my symptoms"))
    assert_usable(call_to_action(phone), min_size=min_size)
    screenshot(phone, name)


@pytest.mark.parametrize(("name", "path", "heading", "call_to_action", "min_size"), EDUCATION_PAGES,
                         ids=[row[0] for row in EDUCATION_PAGES])
def test_every_education_page_on_a_desktop(live_server, page, screenshot, name, path, heading, call_to_action,
                                           min_size):
    page.goto(live_server.url + path)
    assert_no_sideways_scroll(page)
    assert_usable(call_to_action(page), min_size=min_size)
    screenshot(page, name)


def test_on_a_phone_the_home_page_offers_the_check_on_the_first_screen(live_server, phone):
    phone.goto(live_server.url + "/en/")
    assert first_screen(check_my_symptoms(phone)), "the 'Check my symptoms' button is below the first screen"


@pytest.mark.parametrize("path", ["/en/procedures/compare/", "/en/procedures/mild/"], ids=["compare", "risk-table"])
def test_on_a_phone_a_wide_table_scrolls_inside_its_own_box(live_server, phone, path):
    phone.goto(live_server.url + path)
    box = phone.locator(".table-scroll").first
    expect(box).to_be_visible()
    inner, outer = box.evaluate("e => [e.scrollWidth, e.clientWidth]")
    assert outer <= 360
    if inner > outer:  # it does need to scroll: then it is reachable by keyboard, to scroll it with the arrows
        assert box.get_attribute("tabindex") == "0"
    assert_no_sideways_scroll(phone)


def test_switching_to_turkish_keeps_the_page_and_sets_the_language(live_server, page):
    page.goto(live_server.url + "/en/procedures/mild/")
    page.get_by_label("Language").select_option(label="Türkçe")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(live_server.url + "/tr/procedures/mild/")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
    expect(page.get_by_role("heading", level=1)).to_be_visible()


def test_the_skip_link_and_the_language_switch_work_by_keyboard(live_server, page):
    page.goto(live_server.url + "/en/conditions/lumbar_disc_herniation/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert first_screen(skip), "the skip link is focused but not shown"
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/en/conditions/lumbar_disc_herniation/#main")
    expect(page.get_by_role("main")).to_be_focused()

    page.goto(live_server.url + "/en/conditions/lumbar_disc_herniation/")
    language = page.get_by_label("Language")
    for _ in range(30):  # Tab along the header until the language box has the focus
        page.keyboard.press("Tab")
        if language.evaluate("e => e === document.activeElement"):
            break
    expect(language).to_be_focused()
    assert has_visible_focus(page), "the focused language box shows no focus outline"
    page.keyboard.press("ArrowDown")  # English -> Türkçe
    expect(language).to_have_value("tr")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Change")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(live_server.url + "/tr/conditions/lumbar_disc_herniation/")
    expect(page.locator("html")).to_have_attribute("lang", "tr")
