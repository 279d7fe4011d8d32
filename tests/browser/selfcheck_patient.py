"""How a person fills in the self-check: by the words on the screen (question text, answer text, button text),
never by the page's internal ids or names. Each answer is ``(question, answer)``; the kind of control decides how
it is answered (a radio button in the group the question heads, an option of a drop-down, or typed text).

A row of a repeatable list is ``Row(legend, answers)``, e.g. ``Row("Treatment 2", [...])``; a row after the first
is added with the step's "Add another ..." button first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

Answer = tuple[str, str]


@dataclass(frozen=True)
class Row:
    legend: str  # "Treatment 1"
    answers: Sequence[Answer]
    add_with: str | None = None  # the button that adds this row, when it is not on the page yet


Step = Sequence[Answer | Row]


def question(scope: Page | Locator, text: str) -> Locator:
    """The control that asks ``text``: a group of radio buttons (by its legend) or a labelled box."""
    group = scope.get_by_role("group", name=text)
    labelled = scope.get_by_label(text)
    found = group.or_(labelled)
    expect(found.first).to_be_visible()
    if found.count() > 1:  # a long question whose words appear in another: prefer the exact wording
        group = scope.get_by_role("group", name=text, exact=True)
        labelled = scope.get_by_label(text, exact=True)
        found = group.or_(labelled)
    return found.first


def answer(scope: Page | Locator, text: str, value: str) -> None:
    control = question(scope, text)
    kind = control.evaluate("e => e.tagName.toLowerCase() === 'input' ? e.type : e.tagName.toLowerCase()")
    if kind == "fieldset":
        control.get_by_role("radio", name=value, exact=True).check()
    elif kind == "select":
        control.select_option(label=value)
    else:
        control.fill(value)


def fill_step(page: Page, step: Step) -> None:
    for item in step:
        if isinstance(item, Row):
            if item.add_with:
                page.get_by_role("button", name=item.add_with).click()
            row = page.get_by_role("group", name=item.legend, exact=True)
            expect(row).to_be_visible()
            for text, value in item.answers:
                answer(row, text, value)
        else:
            answer(page, *item)


def next_button(page: Page) -> Locator:
    return page.get_by_role("button", name="Next", exact=True).or_(
        page.get_by_role("button", name="See my results", exact=True))


def go_on(page: Page) -> None:
    """Press Next (or See my results on the last step) and wait for the next page."""
    with page.expect_navigation():
        next_button(page).click()


def every_warning_sign(page: Page, value: str = "No") -> None:
    """Answer every question of the warning-signs step with ``value``."""
    groups = page.get_by_role("main").get_by_role("group")
    expect(groups.first).to_be_visible()
    for group in groups.all():
        group.get_by_role("radio", name=value, exact=True).check()


# ---- the people who use it ------------------------------------------------------------------------------------

SADDLE_NUMBNESS = "numbness between your legs or around your bottom"

# A 74-year-old woman with neurogenic claudication (shared/examples/intake/06-routine-mild-candidate.json): walks
# 5 minutes, 26 weeks of it, physiotherapy and home exercise helped a bit, painkillers did not; an MRI a month ago
# shows a 4.1 mm ligamentum flavum and moderate central stenosis at L4-L5. No warning signs.
MILD_CANDIDATE: dict[str, Step] = {
    "Pain and symptoms": [
        ("How bad is the pain in your back?", "4"),
        ("How bad is the pain in your leg or legs?", "7"),
        ("Which leg hurts?", "Both"),
        ("Does the leg pain go below the knee?", "Yes"),
        ("How many weeks ago did this episode of pain start?", "26"),
        ("When you walk or stand, do your legs hurt or feel heavy", "Yes"),
        ("How many minutes can you walk before the pain makes you stop?", "5"),
        ("Can you walk 10 feet (3 metres) without help", "Yes"),
        ("Do you have numbness or pins and needles in a leg or foot?", "No"),
        ("How strong is the weakest part of your leg or foot", "Normal strength"),
        ("Is the weakness getting worse?", "No"),
        ("Do you have shooting nerve pain down both legs", "No"),
        ("Do you have pain in your hip or groin?", "I don't know"),
        ("Have you been told you have poor circulation in your legs?", "I don't know"),
        ("Are your hands clumsy, or are you unsteady when you walk?", "I don't know"),
        ("How old are you?", "74"),
        ("What is your sex?", "Female"),
        ("Your height in centimetres", "158"),
        ("Your weight in kilograms", "63"),
    ],
    "Treatments you have tried": [
        ("Have you tried any treatment for this pain?", "Yes: I list them below"),
        Row("Treatment 1", [("Treatment", "Physiotherapy"), ("For how many weeks?", "12"),
                            ("Did it help?", "It helped a bit")]),
        Row("Treatment 2", [("Treatment", "Exercises at home"), ("For how many weeks?", "26"),
                            ("Did it help?", "It helped a bit")], add_with="Add another treatment"),
        Row("Treatment 3", [("Treatment", "Painkillers such as paracetamol or codeine [analgesics]"),
                            ("For how many weeks?", "26"), ("Did it help?", "It did not help")],
            add_with="Add another treatment"),
    ],
    "Scans": [
        ("Have you had a scan or X-ray of your lower back?", "Yes: I describe it below"),
        Row("Scan 1", [("Kind of scan", "MRI scan"), ("How many months ago?", "1"),
                       ("What it showed", "I list the findings below")]),
        Row("Finding 1", [("On which scan?", "Scan 1"), ("Where in the spine [level]", "L4-L5"),
                          ("What was found", "A thickened ligament [ligamentum flavum hypertrophy]"),
                          ("Which side", "Both sides [bilateral]"), ("Thickness of the ligament in mm", "4.1")]),
        Row("Finding 2", [("On which scan?", "Scan 1"), ("Where in the spine [level]", "L4-L5"),
                          ("What was found", "Narrowing of the spinal canal [central stenosis]"),
                          ("How severe", "Moderate")], add_with="Add another finding"),
    ],
    "Your health": [
        ("Have you had an operation on your lower back before?", "No"),
        ("Do you have diabetes?", "No"),
        ("Do you smoke?", "No"),
        ("Do you take blood thinners", "No"),
        ("Do you have a bleeding disorder", "No"),
        ("Are you pregnant?", "No"),
        ("Your bone density T-score", "-1.8"),
    ],
}

# A 52-year-old woman with 10 weeks of left-sided sciatica (examples/intake/04-routine-needs-imaging.json) who
# does not know about a scan; ``scan`` is her answer to the scan question.
def sciatica_without_a_scan(scan: str) -> dict[str, Step]:
    return {
        "Pain and symptoms": [
            ("How bad is the pain in your back?", "4"),
            ("How bad is the pain in your leg or legs?", "7"),
            ("Which leg hurts?", "Left"),
            ("Does the leg pain go below the knee?", "Yes"),
            ("How many weeks ago did this episode of pain start?", "10"),
            ("When you walk or stand, do your legs hurt or feel heavy", "No"),
            ("Can you walk 10 feet (3 metres) without help", "Yes"),
            ("Do you have numbness or pins and needles in a leg or foot?", "Yes"),
            ("How strong is the weakest part of your leg or foot", "Normal strength"),
            ("Is the weakness getting worse?", "No"),
            ("Do you have shooting nerve pain down both legs", "No"),
            ("Do you have pain in your hip or groin?", "No"),
            ("Have you been told you have poor circulation in your legs?", "No"),
            ("Are your hands clumsy, or are you unsteady when you walk?", "No"),
            ("How old are you?", "52"),
            ("What is your sex?", "Female"),
        ],
        "Treatments you have tried": [
            ("Have you tried any treatment for this pain?", "Yes: I list them below"),
            Row("Treatment 1", [("Treatment", "Physiotherapy"), ("For how many weeks?", "4"),
                                ("Did it help?", "It helped a bit")]),
        ],
        "Scans": [("Have you had a scan or X-ray of your lower back?", scan)],
        "Your health": [
            ("Have you had an operation on your lower back before?", "No"),
            ("Do you have diabetes?", "No"),
            ("Do you smoke?", "No"),
            ("Do you take blood thinners", "No"),
            ("Do you have a bleeding disorder", "No"),
            ("Are you pregnant?", "No"),
        ],
    }


def start(page: Page, base_url: str) -> None:
    """Open the self-check and press Start: the first step is the warning signs."""
    page.goto(base_url + "/en/check/")
    page.get_by_role("link", name="Start", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Warning signs")


def walk(page: Page, patient: dict[str, Step], on_each_step=None) -> None:
    """From the warning signs (all answered No) through every step to the results page.

    ``on_each_step(title)`` is called on every step once it is filled in, before going on."""
    every_warning_sign(page, "No")
    if on_each_step:
        on_each_step("Warning signs")
    go_on(page)
    for title, step in patient.items():
        expect(page.get_by_role("heading", level=1)).to_have_text(title)
        fill_step(page, step)
        if on_each_step:
            on_each_step(title)
        go_on(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your results")


# ---- by keyboard only ---------------------------------------------------------------------------------------------

_FOCUS_INSIDE = "e => e === document.activeElement || e.contains(document.activeElement)"
_FOCUSED_CHOICE = "() => { const e = document.activeElement; return e.labels && e.labels.length ? " \
                  "e.labels[0].textContent.trim() : ''; }"


def tab_to(page: Page, target: Locator, *, limit: int = 250) -> None:
    """Press Tab until the focus is on (or inside) ``target``."""
    for _ in range(limit):
        if target.evaluate(_FOCUS_INSIDE):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def answer_by_keyboard(page: Page, scope: Page | Locator, text: str, value: str) -> None:
    control = question(scope, text)
    tab_to(page, control)
    kind = control.evaluate("e => e.tagName.toLowerCase() === 'input' ? e.type : e.tagName.toLowerCase()")
    if kind == "fieldset":  # Tab enters the group on its first button; the arrows move (and choose)
        for _ in range(12):
            if page.evaluate(_FOCUSED_CHOICE) == value:
                page.keyboard.press("Space")
                break
            page.keyboard.press("ArrowDown")
        expect(control.get_by_role("radio", name=value, exact=True)).to_be_checked()
    elif kind == "select":  # a closed drop-down steps through its options with the arrows
        for _ in range(40):
            if control.evaluate("e => e.options[e.selectedIndex].text.trim()") == value:
                break
            page.keyboard.press("ArrowDown")
        assert control.evaluate("e => e.options[e.selectedIndex].text.trim()") == value
    else:
        page.keyboard.press("ControlOrMeta+A")
        page.keyboard.type(value)
        expect(control).to_have_value(value)


def fill_step_by_keyboard(page: Page, step: Step) -> None:
    for item in step:
        if isinstance(item, Row):
            if item.add_with:
                tab_to(page, page.get_by_role("button", name=item.add_with))
                page.keyboard.press("Enter")
            row = page.get_by_role("group", name=item.legend, exact=True)
            expect(row).to_be_visible()
            for text, value in item.answers:
                answer_by_keyboard(page, row, text, value)
        else:
            answer_by_keyboard(page, page, *item)


def go_on_by_keyboard(page: Page) -> None:
    tab_to(page, next_button(page))
    with page.expect_navigation():
        page.keyboard.press("Enter")
