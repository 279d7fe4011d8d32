"""The self-check in a real browser, walked as a patient would: by the words on the screen, with the mouse or the
keyboard alone, on a phone and a desktop, ending with the results page and the PDF report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from layout_checks import assert_no_sideways_scroll, assert_usable, has_visible_focus
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from selfcheck_patient import (
    MILD_CANDIDATE,
    SADDLE_NUMBNESS,
    answer,
    answer_by_keyboard,
    every_warning_sign,
    fill_step,
    fill_step_by_keyboard,
    go_on,
    go_on_by_keyboard,
    next_button,
    sciatica_without_a_scan,
    start,
    tab_to,
    walk,
)

from spinepath.core.assessment import status_label
from spinepath.core.knowledge import load_knowledge

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # whitenoise looks for collected static files; the live server serves them from the app folders instead.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

KB = load_knowledge()
EMERGENCY = "Go to an emergency department now"
ROUTINE_ADVICE = "Ask for an appointment with a spine specialist to discuss the options below."
SPECIALIST = "An appointment with a spine specialist to talk about the options below."
SAFETY_NET = ("Go to an emergency department now if you get numbness between your legs or around your bottom, new "
              "trouble passing or holding urine or stool, or weakness in your legs that gets worse.")
DISCLAIMER = "spinepath supports a clinician's decision and never replaces one."
MRI_PROMPT = "An MRI scan of your lower back would let us say more. Ask your doctor whether you need one."
CANDIDATE = status_label("mild", "candidate")  # "may be suitable — a specialist decides"
CANT_TELL = status_label("microdiscectomy", "insufficient_information")  # "we can't tell yet"
HERNIATION_OPERATIONS = ("microdiscectomy", "endoscopic_discectomy")
VIEWPORTS = [pytest.param("phone", id="360px"), pytest.param("page", id="1280px")]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def option_card(page: Page, procedure_id: str):
    """A procedure's card on the results page, found by the procedure's name."""
    return page.get_by_role("article", name=KB.procedure(procedure_id).name, exact=True)


# ---- 1. an emergency is said first ------------------------------------------------------------------------------

@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_numbness_between_the_legs_sends_you_to_an_emergency_department_before_anything_else(
        live_server, request, screenshot, viewport):
    page: Page = request.getfixturevalue(viewport)
    start(page, live_server.url)
    every_warning_sign(page, "No")
    answer(page, SADDLE_NUMBNESS, "Yes")
    go_on(page)

    alert = page.get_by_role("alert").first
    expect(alert).to_contain_text(EMERGENCY)
    expect(alert).to_be_focused()  # a screen reader reads it first
    first_heading = page.get_by_role("heading").first
    expect(first_heading).to_have_text(re.compile(EMERGENCY))
    assert first_heading.evaluate("(h, alert) => alert.contains(h)", alert.element_handle()), \
        "the first heading on the page is not the emergency instruction"
    assert page.get_by_role("main").evaluate("m => m.firstElementChild.getAttribute('role')") == "alert", \
        "something comes before the emergency instruction in the page's main content"
    alert_top = alert.bounding_box()["y"]
    for heading in page.get_by_role("heading").all()[1:]:
        assert heading.bounding_box()["y"] > alert_top, f"{heading.inner_text()!r} is above the instruction"
    expect(page.get_by_role("main")).to_contain_text("Numbness between the legs or around the bottom")
    if viewport == "phone":
        assert_no_sideways_scroll(page)
        assert_usable(alert)
    screenshot(page, "emergency")

    # The questions can be finished afterwards, and the instruction stays above them.
    page.get_by_role("link", name="Continue the questions").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pain and symptoms")
    banner = page.get_by_role("main").get_by_text(EMERGENCY).first
    expect(banner).to_be_visible()
    assert banner.bounding_box()["y"] < page.get_by_role("heading", level=1).bounding_box()["y"]


# ---- 2. a routine MILD candidate, to the PDF report -------------------------------------------------------------

@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_a_mild_candidate_sees_a_routine_result_with_mild_and_takes_away_the_pdf_report(
        live_server, request, screenshot, viewport):
    page: Page = request.getfixturevalue(viewport)
    page.goto(live_server.url + "/en/check/")
    assert_no_sideways_scroll(page)
    screenshot(page, "check-start")
    start(page, live_server.url)

    def each_step(title: str) -> None:
        assert_no_sideways_scroll(page)
        assert_usable(next_button(page), min_size=44)
        screenshot(page, f"check-{slug(title)}")

    walk(page, MILD_CANDIDATE, on_each_step=each_step)

    main = page.get_by_role("main")
    banner = main.get_by_text("Not urgent").locator("..")
    expect(banner).to_contain_text(ROUTINE_ADVICE)
    assert banner.bounding_box()["y"] < page.get_by_role("heading", name="Your next step").bounding_box()["y"]
    expect(page.get_by_role("alert")).to_have_count(0)  # routine: nothing shouts
    next_step = page.get_by_role("region", name="Your next step")
    expect(next_step).to_contain_text(SPECIALIST)
    expect(next_step).to_contain_text(SAFETY_NET)

    mild = option_card(page, "mild")
    expect(mild).to_contain_text(CANDIDATE)
    expect(mild).to_contain_text("L4-L5")
    expect(mild.get_by_role("link", name=re.compile("MiDAS ENCORE"))).to_be_visible()
    expect(mild).to_contain_text("[midas-encore]")
    for procedure in KB.procedures:  # all seven, each with its sources
        expect(option_card(page, procedure).get_by_text("Source:").first).to_be_visible()
    expect(main).to_contain_text(DISCLAIMER)

    timeline = page.get_by_role("img", name=re.compile("recovery", re.IGNORECASE))
    expect(timeline).to_be_visible()
    timeline.scroll_into_view_if_needed()
    page.wait_for_function("i => i.complete && i.naturalWidth > 0", arg=timeline.element_handle())
    assert timeline.bounding_box()["width"] <= page.viewport_size["width"], "the recovery chart is wider than the page"

    download_link = page.get_by_role("link", name="Download PDF report")
    if viewport == "phone":
        assert_no_sideways_scroll(page)
        assert_usable(download_link, min_size=44)
    screenshot(page, "results")

    with page.expect_download() as downloading:
        download_link.click()
    download = downloading.value
    assert download.suggested_filename.endswith(".pdf")
    saved = ARTIFACTS / f"report-mild-candidate-{page.viewport_size['width']}.pdf"
    download.save_as(saved)
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(saved).pages]
    assert pages[0].startswith(ROUTINE_ADVICE), f"the report does not open with the advice: {pages[0][:200]!r}"
    text = " ".join(pages)
    for words in (SAFETY_NET, "MILD", CANDIDATE, "midas-encore", "never replaces one",
                  "not a diagnosis or medical advice"):
        assert words in text, f"the PDF report does not say {words!r}"


# ---- 3. no scan, or not sure: we can't tell yet -------------------------------------------------------------------

@pytest.mark.parametrize("scan", ["I don't know", "I have not had a scan"], ids=["dont-know", "no-scan"])
def test_sciatica_without_a_known_scan_cannot_be_judged_for_disc_operations_and_asks_for_an_mri(
        live_server, page, scan):
    start(page, live_server.url)
    walk(page, sciatica_without_a_scan(scan))
    for procedure in HERNIATION_OPERATIONS:
        expect(option_card(page, procedure)).to_contain_text(CANT_TELL)
    expect(page.get_by_role("region", name="What is missing, and how to get it")).to_contain_text(MRI_PROMPT)
    expect(page.get_by_role("region", name="Your next step")).to_contain_text(re.compile(r"scan.*MRI"))


# ---- 4. the whole check by keyboard --------------------------------------------------------------------------------

def test_the_whole_check_can_be_done_by_keyboard_alone(live_server, page, screenshot):
    patient = sciatica_without_a_scan("I don't know")
    page.goto(live_server.url + "/en/check/")

    # The skip link is the first stop and jumps over the header; from there, Start.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    assert has_visible_focus(page)
    page.keyboard.press("Enter")
    expect(page.get_by_role("main")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Start", exact=True)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_have_text("Warning signs")
    for group in page.get_by_role("main").get_by_role("group").all():
        tab_to(page, group)
        page.keyboard.press("ArrowDown")  # Yes -> No
        expect(group.get_by_role("radio", name="No", exact=True)).to_be_checked()
    # Shift+Tab goes back: from Next to Back.
    tab_to(page, next_button(page))
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Back")).to_be_focused()
    go_on_by_keyboard(page)

    # Pain and symptoms, with weeks typed as a word: the error summary takes the focus, visibly.
    expect(page.get_by_role("heading", level=1)).to_have_text("Pain and symptoms")
    weeks = "How many weeks ago did this episode of pain start?"
    fill_step_by_keyboard(page, [(q, "ten" if q == weeks else a) for q, a in patient["Pain and symptoms"]])
    go_on_by_keyboard(page)
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    assert has_visible_focus(page), "the error summary has the focus but shows no focus outline"
    screenshot(page, "check-pain-and-symptoms-error-by-keyboard")
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")  # the summary's link takes you to the question
    expect(page.get_by_label(weeks)).to_be_focused()
    answer_by_keyboard(page, page, weeks, "10")
    go_on_by_keyboard(page)

    for title in ("Treatments you have tried", "Scans", "Your health"):
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        fill_step_by_keyboard(page, patient[title])
        go_on_by_keyboard(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your results")
    expect(option_card(page, "microdiscectomy")).to_contain_text(CANT_TELL)

    # The language switch, by keyboard: still the results (not sent back to the start), with the page in Turkish.
    language = page.get_by_label("Language")
    tab_to(page, language)
    page.keyboard.press("ArrowDown")
    expect(language).to_have_value("tr")
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/tr/check/results/$"))
    expect(page.locator("html")).to_have_attribute("lang", "tr")


# How far above the box its error message ends (the message is found through the box's aria-describedby).
_GAP_TO_ERROR = """(box, message) => {
  const described = (box.getAttribute('aria-describedby') || '').split(/\\s+/).map((id) => document.getElementById(id));
  const error = described.find((e) => e && e.textContent.includes(message) && e.getClientRects().length);
  return error ? box.getBoundingClientRect().top - error.getBoundingClientRect().bottom : null;
}"""


# ---- 6. a wrong value is shown where it was typed, and nothing else is lost -------------------------------------

def test_a_wrong_value_is_shown_next_to_its_question_and_in_the_summary_and_other_answers_stay(
        live_server, page, screenshot):
    start(page, live_server.url)
    every_warning_sign(page, "No")
    go_on(page)
    weeks = "How many weeks ago did this episode of pain start?"
    age = "How old are you?"
    typed = [(q, {weeks: "ten weeks", age: "130"}.get(q, a)) for q, a in MILD_CANDIDATE["Pain and symptoms"]]
    fill_step(page, typed)
    go_on(page)

    expect(page.get_by_role("heading", level=1)).to_have_text("Pain and symptoms")
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    for question, message in ((weeks, "Enter a number, for example 12 or 4.5."),
                              (age, "Enter a number from 0 to 120.")):
        expect(summary.get_by_role("link").filter(has_text=question).filter(has_text=message)).to_be_visible()
        box = page.get_by_label(question)
        expect(box).to_have_accessible_description(re.compile(re.escape(message)))
        gap = box.evaluate(_GAP_TO_ERROR, message)
        assert gap is not None and 0 <= gap < 60, f"the message for {question!r} is not just above its box: {gap}"
    # Everything typed is still there, the wrong values included, to be corrected.
    expect(page.get_by_label(weeks)).to_have_value("ten weeks")
    expect(page.get_by_label(age)).to_have_value("130")
    expect(page.get_by_label("How bad is the pain in your back?")).to_have_value("4")
    expect(page.get_by_label("Your height in centimetres")).to_have_value("158")
    expect(page.get_by_role("group", name="Which leg hurts?").get_by_role("radio", name="Both")).to_be_checked()
    expect(page.get_by_role("group", name="What is your sex?").get_by_role("radio", name="Female")).to_be_checked()
    screenshot(page, "check-pain-and-symptoms-errors")

    answer(page, weeks, "26")
    answer(page, age, "74")
    go_on(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Treatments you have tried")


# ---- 7. the language switch keeps you where you are --------------------------------------------------------------

def test_switching_to_turkish_in_the_middle_of_the_check_keeps_the_step(live_server, page):
    start(page, live_server.url)
    every_warning_sign(page, "No")
    go_on(page)
    page.get_by_label("Language").select_option(label="Türkçe")
    page.get_by_role("button", name="Change").click()
    expect(page).to_have_url(re.compile(r"/tr/check/symptoms/$"))
    expect(page.locator("html")).to_have_attribute("lang", "tr")
