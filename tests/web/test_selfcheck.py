"""The self-check wizard and its results page, as a person uses them (Django test client, real sessions).

The example intakes in ../shared/examples/intake are typed in step by step, the way a person would answer them;
the intake the wizard builds must then mean the same to the engine as the example itself.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spinepath.core import assess, parse_intake
from spinepath.core.assessment import PROCEDURE_IDS, status_label
from spinepath.core.knowledge import load_knowledge
from spinepath.web.selfcheck.answers import STEP_SLUGS

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples" / "intake"
START = "/en/check/"
RESULTS = "/en/check/results/"
EMERGENCY_TEXT = "Go to an emergency department now."
RED_FLAG_NAMES = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction", "sexual_dysfunction", "fever",
                  "cancer_history", "unexplained_weight_loss", "iv_drug_use", "immunosuppression",
                  "long_term_steroids", "recent_infection", "significant_trauma", "osteoporosis", "night_pain")


def example(name: str) -> dict[str, Any]:
    return json.loads(next(EXAMPLES.glob(f"{name}*.json")).read_text())


def step_url(slug: str) -> str:
    return f"{START}{slug}/"


# ---- typing an intake into the wizard ----------------------------------------------------------------------------

def _tri(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "unknown"}[value]


def _choice(value: Any) -> str:
    return "unknown" if value is None else str(value)


def _number(value: Any) -> str:
    return "" if value is None else str(value)


def _rows(prefix: str, rows: list[dict[str, str]]) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(max(len(rows), 1)), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{name}": value for name, value in row.items()})
    return data


def answers_for(intake: dict[str, Any]) -> dict[str, dict[str, str]]:
    """The form data a person would send, step by step, to describe ``intake``."""
    red, sym, pat, hist = (intake.get(k) or {} for k in ("red_flags", "symptoms", "patient", "history"))
    symptoms = {name: _tri(sym.get(name)) for name in (
        "leg_pain_below_knee", "claudication", "can_walk_10_feet_unaided", "numbness", "weakness_progressing",
        "bilateral_sciatica", "hip_or_groin_pain", "peripheral_arterial_disease", "hand_symptoms_or_imbalance")}
    symptoms.update({
        "back_pain": _choice(None if sym.get("back_pain") is None else int(sym["back_pain"])),
        "leg_pain": _choice(None if sym.get("leg_pain") is None else int(sym["leg_pain"])),
        "leg_pain_side": _choice(sym.get("leg_pain_side")), "weakness_grade": _choice(sym.get("weakness_grade")),
        "duration_weeks": _number(sym.get("duration_weeks")),
        "walking_tolerance_minutes": _number(sym.get("walking_tolerance_minutes")),
        "age": _number(pat.get("age")), "sex": _choice(pat.get("sex")),
        "height_cm": _number(pat.get("height_cm")), "weight_kg": _number(pat.get("weight_kg")),
    })

    care = intake.get("conservative_care")
    treatments = {"tried": "unknown" if care is None else ("yes" if care else "none")}
    treatments.update(_rows("rows", [{"kind": _choice(c.get("kind")), "weeks": _number(c.get("weeks")),
                                      "outcome": _choice(c.get("outcome"))} for c in care or []]))

    studies = intake.get("imaging")
    imaging = {"had_scan": "unknown" if studies is None else ("yes" if studies else "no")}
    scans, findings = [], []
    for number, study in enumerate(studies or [], start=1):
        found = study.get("findings")
        scans.append({"modality": _choice(study.get("modality")), "months_ago": _number(study.get("months_ago")),
                       "showed": "unknown_findings" if found is None else ("listed" if found else "normal")})
        for f in found or []:
            findings.append({"scan": str(number), "level": _choice(f.get("level")), "kind": _choice(f.get("kind")),
                             "side": _choice(f.get("side")), "severity": _choice(f.get("severity")),
                             "ligamentum_flavum_mm": _number(f.get("ligamentum_flavum_mm")),
                             "grade": _choice(f.get("grade")), "slip_type": _choice(f.get("slip_type")),
                             "translation_mm": _number(f.get("translation_mm")),
                             "cobb_degrees": _number(f.get("cobb_degrees")),
                             "herniation_type": _choice(f.get("herniation_type"))})
    imaging.update(_rows("scans", scans))
    imaging.update(_rows("findings", findings))

    surgeries = hist.get("prior_lumbar_surgery")
    health = {"had_surgery": "unknown" if surgeries is None else ("yes" if surgeries else "no")}
    health.update(_rows("surgeries", [{"procedure": _choice(s.get("procedure")), "level": _choice(s.get("level")),
                                       "years_ago": _number(s.get("years_ago"))} for s in surgeries or []]))
    health.update({name: _tri(hist.get(name)) for name in ("diabetes", "smoker", "anticoagulants",
                                                           "bleeding_disorder", "pregnant")})
    health.update({"hba1c_percent": _number(hist.get("hba1c_percent")),
                   "bone_density_t_score": _number(hist.get("bone_density_t_score"))})
    if pat.get("sex") == "male":
        del health["pregnant"]

    return {"red-flags": {name: _tri(red.get(name)) for name in RED_FLAG_NAMES}, "symptoms": symptoms,
            "treatments": treatments, "imaging": imaging, "health": health}


def what_the_wizard_can_ask(intake: dict[str, Any]) -> dict[str, Any]:
    """The example as the wizard can know it: ASA grade is not a patient's question, and men are not asked about
    pregnancy."""
    expected = copy.deepcopy(intake)
    expected.setdefault("history", {})["asa_class"] = None
    if (expected.get("patient") or {}).get("sex") == "male":
        expected["history"]["pregnant"] = None
    return expected


def walk_through(client: Client, steps: dict[str, dict[str, str]]) -> None:
    """Answer every step with Next, as a person would (an emergency page in between is acknowledged)."""
    for slug in STEP_SLUGS:
        response = client.post(step_url(slug), {**steps[slug], "action": "next"})
        assert response.status_code == 302, _problems(response)
        if response["Location"].startswith(reverse("selfcheck:emergency")):
            assert client.get(response["Location"]).status_code == 200


def _problems(response: Any) -> str:
    return " | ".join(re.findall(r'<li><a href="#[^"]+">([^<]+)</a></li>', response.content.decode()))


def session_intake(client: Client) -> dict[str, Any]:
    return client.session["selfcheck"]["intake"]


def card(html: str, procedure: str) -> str:
    match = re.search(rf'<article class="card procedure-card" id="option-{procedure}".*?</article>', html, re.S)
    assert match, f"no card for {procedure}"
    return match.group(0)


# ---- red flags first ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    pytest.param({"saddle_anaesthesia": "yes"}, id="saddle-numbness-alone-is-an-emergency"),
    pytest.param({"bladder_dysfunction": "yes"}, id="bladder-trouble-is-an-emergency"),
    pytest.param({"bowel_dysfunction": "yes"}, id="bowel-trouble-is-an-emergency"),
    pytest.param({"significant_trauma": "yes"}, id="injury-with-pain-of-unknown-age-is-an-emergency"),
])
@pytest.mark.parametrize("rest", ["answered-no", "left-empty"])
def test_an_emergency_answer_is_said_at_once_before_any_other_step(client: Client, answer: dict[str, str],
                                                                   rest: str) -> None:
    data = {name: "no" for name in RED_FLAG_NAMES} if rest == "answered-no" else {}
    response = client.post(step_url("red-flags"), {**data, **answer, "action": "next"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("selfcheck:emergency"))
    page = client.get(response["Location"]).content.decode()
    main = page[page.index('<main'):]
    assert re.search(r'<div class="banner emergency" role="alert"[^>]*>\s*<h1>' + re.escape(EMERGENCY_TEXT), main)
    assert "<form" not in main  # nothing else is asked first
    assert "Continue the questions" in main
    continue_to = "symptoms" if rest == "answered-no" else "red-flags"
    assert f'href="{step_url(continue_to)}"' in main


def test_after_an_emergency_the_questions_continue_and_the_answers_are_kept(client: Client) -> None:
    steps = answers_for(example("06"))
    steps["red-flags"]["bladder_dysfunction"] = "yes"
    walk_through(client, steps)

    page = client.get(RESULTS).content.decode()
    assert re.search(r'<div class="banner emergency" role="alert">\s*<p class="banner-label">Emergency</p>\s*'
                     r'<p class="banner-advice"><strong>' + re.escape(EMERGENCY_TEXT), page)
    assert "New trouble passing or holding urine" in page
    assert 'class="safety-net"' not in page  # an emergency has no safety net: it is the instruction itself


def test_an_emergency_from_the_symptoms_step_is_said_before_the_next_step(client: Client) -> None:
    steps = answers_for(example("06"))
    steps["symptoms"].update({"weakness_grade": "2", "bilateral_sciatica": "yes"})
    client.post(step_url("red-flags"), {**steps["red-flags"], "action": "next"})
    response = client.post(step_url("symptoms"), {**steps["symptoms"], "action": "next"})

    assert response["Location"] == reverse("selfcheck:emergency") + "?then=treatments"
    assert "Marked leg weakness with pain in both legs" in client.get(response["Location"]).content.decode()
    # Once told, the person can go on; the reminder stays at the top of every step.
    page = client.get(step_url("treatments")).content.decode()
    assert page.index(EMERGENCY_TEXT, page.index("<main")) < page.index("Step 3 of 5")


def test_the_steps_are_taken_in_order_so_the_warning_signs_come_first(client: Client) -> None:
    for slug in STEP_SLUGS[1:]:
        response = client.get(step_url(slug))
        assert response.status_code == 302 and response["Location"] == step_url("red-flags")
    assert client.get(RESULTS)["Location"] == START


# ---- a whole check -----------------------------------------------------------------------------------------------

def test_a_routine_mild_candidate_sees_mild_may_be_suitable(client: Client) -> None:
    walk_through(client, answers_for(example("06")))
    response = client.get(RESULTS)
    page = response.content.decode()

    assert response.status_code == 200
    mild = card(page, "mild")
    assert "may be suitable — a specialist decides" in mild
    assert load_knowledge().procedure("mild").name in mild
    assert "L4-L5" in mild
    midas = load_knowledge().source("midas-encore")
    assert f'<a href="{midas.url}">{midas.title}</a> [midas-encore]' in mild
    assert re.search(r'<div class="banner routine">\s*<p class="banner-label">Not urgent</p>', page)
    assert "role=\"alert\"" not in page[page.index('class="banner routine"') - 20:page.index("Not urgent")]


@pytest.mark.parametrize("name", [p.stem[:2] for p in sorted(EXAMPLES.glob("*.json"))])
def test_the_results_page_shows_everything_in_the_order_a_person_needs_it(client: Client, name: str) -> None:
    intake = example(name)
    walk_through(client, answers_for(intake))
    page = client.get(RESULTS).content.decode()
    expected = assess(parse_intake(what_the_wizard_can_ask(intake)))

    landmarks = [f'class="banner {expected.urgency}"', "Your next step",
                 *(["Important:"] if expected.safety_net else []), "Results are for a specialist to confirm",
                 *(f'id="option-{p}"' for p in PROCEDURE_IDS), 'id="timeline"', escape(expected.disclaimer)]
    if expected.red_flags:
        landmarks.insert(1, "Warning signs in your answers")
    positions = [page.index(landmark) for landmark in landmarks]
    assert positions == sorted(positions)
    for p in expected.procedures:
        assert escape(status_label(p.procedure, p.status)) in card(page, p.procedure)
    if expected.safety_net:
        assert escape(expected.safety_net) in page
    if expected.urgency != "routine":
        assert f'<div class="banner {expected.urgency}" role="alert">' in page


@pytest.mark.parametrize("name", [p.stem[:2] for p in sorted(EXAMPLES.glob("*.json"))])
def test_the_intake_built_from_the_answers_means_what_the_example_means(client: Client, name: str) -> None:
    intake = example(name)
    walk_through(client, answers_for(intake))
    built = parse_intake(session_intake(client))
    expected = parse_intake(what_the_wizard_can_ask(intake))

    assert built == expected
    ours, theirs = assess(built), assess(expected)
    assert (ours.urgency, ours.next_step) == (theirs.urgency, theirs.next_step)
    assert [(p.procedure, p.status, p.levels) for p in ours.procedures] == \
           [(p.procedure, p.status, p.levels) for p in theirs.procedures]
    assert client.session["selfcheck"]["finished"] is True


def test_i_dont_know_about_scans_gives_we_cant_tell_yet_and_asks_for_an_mri(client: Client) -> None:
    steps = answers_for(example("06"))
    steps["imaging"] = {"had_scan": "unknown", **_rows("scans", []), **_rows("findings", [])}
    walk_through(client, steps)
    page = client.get(RESULTS).content.decode()

    assert session_intake(client)["imaging"] is None
    for procedure in ("mild", "microdiscectomy", "endoscopic_discectomy", "mis_decompression", "mis_tlif"):
        assert escape("we can't tell yet") in card(page, procedure)
    missing = page[page.index("What is missing, and how to get it"):]
    assert "An MRI scan of your lower back would let us say more." in missing
    assert f'<a href="{step_url("imaging")}#q-had_scan">Answer this question</a>' in missing


def test_a_missing_ligament_thickness_asks_the_radiologist_and_links_to_that_finding(client: Client) -> None:
    walk_through(client, answers_for(example("08")))
    page = client.get(RESULTS).content.decode()

    assert "Ask the radiologist for the thickness of the ligamentum flavum" in page
    assert f'href="{step_url("imaging")}#q-findings-0-ligamentum_flavum_mm"' in page
    assert 'id="q-findings-0-ligamentum_flavum_mm"' in client.get(step_url("imaging")).content.decode()


def test_optional_report_links_appear_only_once_the_reports_exist(client: Client) -> None:
    walk_through(client, answers_for(example("06")))
    page = client.get(RESULTS).content.decode()
    for name, marker in (("reports:timeline", "<img src="), ("reports:report_pdf", "Download PDF report")):
        try:
            url = reverse(name)
        except NoReverseMatch:
            assert marker not in page
            continue
        assert url in page


# ---- "I don't know" is never "no" --------------------------------------------------------------------------------

def test_i_dont_know_to_everything_is_unknown_everywhere_and_nothing_crashes(client: Client) -> None:
    steps = answers_for({"schema": "spinepath.intake/1"})
    walk_through(client, steps)
    intake = session_intake(client)
    page = client.get(RESULTS).content.decode()

    assert all(value is None for value in intake["red_flags"].values())
    assert all(value is None for value in intake["symptoms"].values())
    assert intake["conservative_care"] is None and intake["imaging"] is None
    assert intake["history"]["prior_lumbar_surgery"] is None
    assert "Please answer the three questions about numbness between your legs and bladder or bowel control." in page
    assert page.count('class="card procedure-card"') == 7


def _facts(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every fact of an intake a person could answer "I don't know" to (a whole list included)."""
    paths = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "schema":
                paths += ([(*path, key)] if path else []) + _facts(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths += _facts(item, (*path, index))
    return paths


def _forget(intake: dict[str, Any], path: tuple[Any, ...]) -> None:
    parent: Any = intake
    for part in path[:-1]:
        parent = parent[part] if parent is not None else None
    if parent is not None:  # else an enclosing list is already unknown
        parent[path[-1]] = None


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), name=st.sampled_from(["05", "06", "07", "08"]))
def test_no_step_crashes_on_any_combination_of_i_dont_know(data: st.DataObject, name: str) -> None:
    intake = example(name)
    for path in data.draw(st.lists(st.sampled_from(_facts(intake)), max_size=12), label="unknown"):
        _forget(intake, path)
    client = Client()
    walk_through(client, answers_for(intake))

    response = client.get(RESULTS)
    assert response.status_code == 200
    assert response.content.decode().count('class="card procedure-card"') == 7
    assert parse_intake(session_intake(client)) == parse_intake(what_the_wizard_can_ask(intake))


# ---- errors, and nothing typed is lost ---------------------------------------------------------------------------

@pytest.mark.parametrize(("field", "typed", "message"), [
    pytest.param("leg_pain", "", "Choose a number from 0 to 10, or I don&#x27;t know.", id="pain-not-chosen"),
    pytest.param("duration_weeks", "lots", "Enter a number, for example 12 or 4.5.", id="weeks-not-a-number"),
    pytest.param("walking_tolerance_minutes", "-5", "Enter a number from 0 to 1440.", id="negative-minutes"),
    pytest.param("height_cm", "50", "Enter a number above 50 and up to 260.", id="height-out-of-range"),
    pytest.param("age", "15", "spinepath is for adults (18 or over)", id="child-refused-by-the-engine-contract"),
    pytest.param("claudication", "", "Choose Yes, No or I don&#x27;t know.", id="question-not-answered"),
])
def test_an_error_shows_at_the_field_and_in_the_summary_and_keeps_what_was_typed(
        client: Client, field: str, typed: str, message: str) -> None:
    steps = answers_for(example("06"))
    client.post(step_url("red-flags"), {**steps["red-flags"], "action": "next"})
    data = {**steps["symptoms"], field: typed, "action": "next"}
    response = client.post(step_url("symptoms"), data)
    page = response.content.decode()

    assert response.status_code == 200
    summary = page[page.index('<div class="error-summary"'):page.index("<h1>")]
    assert 'role="alert" tabindex="-1" data-focus-on-load' in summary
    anchor = f"id_{field}_0" if field in ("claudication",) else f"id_{field}"
    assert f'href="#{anchor}"' in summary and message in summary
    assert f'id="{anchor}"' in page
    assert re.search(rf'id="id_{field}-error">.*?{re.escape(message)}', page, re.S)
    assert f'id_{field}-error' in re.search(rf'<(input|select|fieldset)[^>]*id_{field}-error[^>]*>', page).group(0)
    # Everything else is still there as typed.
    if field == "duration_weeks":
        assert 'name="duration_weeks" value="lots"' in page
    else:
        assert 'name="duration_weeks" value="26' in page
    assert re.search(r'<option value="4" selected>4</option>', page)  # back pain
    assert re.search(r'name="sex" value="female"[^>]*checked', page)
    if field != "walking_tolerance_minutes":
        assert 'name="walking_tolerance_minutes" value="5"' in page
    assert "symptoms" not in client.session["selfcheck"]["answers"]


def test_an_unanswered_red_flag_page_lists_every_missing_answer_with_a_link(client: Client) -> None:
    page = client.post(step_url("red-flags"), {"fever": "no", "action": "next"}).content.decode()
    summary = page[page.index('<div class="error-summary"'):page.index("<h1>")]
    assert summary.count("<li>") == len(RED_FLAG_NAMES) - 1
    assert 'href="#id_saddle_anaesthesia_0"' in summary
    assert re.search(r'name="fever" value="no"[^>]*checked', page)


def test_back_saves_the_page_and_forward_shows_the_answers_again(client: Client) -> None:
    steps = answers_for(example("06"))
    client.post(step_url("red-flags"), {**steps["red-flags"], "action": "next"})
    response = client.post(step_url("symptoms"), {**steps["symptoms"], "action": "back"})
    assert response["Location"] == step_url("red-flags")

    back = client.get(step_url("red-flags")).content.decode()
    assert re.search(r'name="saddle_anaesthesia" value="no"[^>]*checked', back)
    forward = client.get(step_url("symptoms")).content.decode()
    assert "Step 2 of 5" in forward
    assert re.search(r'name="claudication" value="yes"[^>]*checked', forward)
    assert re.search(r'<option value="7" selected>', forward)


def test_back_with_a_problem_keeps_what_was_typed_for_later(client: Client) -> None:
    steps = answers_for(example("06"))
    client.post(step_url("red-flags"), {**steps["red-flags"], "action": "next"})
    client.post(step_url("symptoms"), {**steps["symptoms"], "age": "old", "action": "back"})

    page = client.get(step_url("symptoms")).content.decode()
    assert 'value="old"' in page and "There is a problem" in page
    assert re.search(r'name="claudication" value="yes"[^>]*checked', page)


@pytest.mark.parametrize("slug", STEP_SLUGS)
def test_reloading_a_step_shows_the_saved_answers(client: Client, slug: str) -> None:
    walk_through(client, answers_for(example("07")))
    first, again = client.get(step_url(slug)), client.get(step_url(slug))
    assert first.status_code == again.status_code == 200
    page = first.content.decode()
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", page) == csrf.sub("", again.content.decode())
    assert f"Step {STEP_SLUGS.index(slug) + 1} of 5" in page
    assert 'aria-current="step"' in page
    if slug == "imaging":
        assert re.search(r'name="scans-1-modality"[^>]*>.*?<option value="xray_flexion_extension" selected', page,
                         re.S)
        assert 'name="findings-4-translation_mm" value="5' in page


def test_add_another_row_works_without_javascript_and_keeps_the_rows_typed(client: Client) -> None:
    walk_through(client, answers_for(example("06")))
    data = {"tried": "yes", **_rows("rows", [{"kind": "physiotherapy", "weeks": "12", "outcome": "partial_relief"}]),
            "action": "add-rows"}
    page = client.post(step_url("treatments"), data).content.decode()

    assert 'name="rows-TOTAL_FORMS" value="2"' in page
    assert re.search(r'<option value="physiotherapy" selected>', page)
    assert 'id="rows-1" data-new-row' in page
    assert "There is a problem" not in page
    assert 'formaction="/en/check/treatments/#rows-2"' in page


def test_pregnancy_is_not_asked_of_men(client: Client) -> None:
    walk_through(client, answers_for(example("05")))  # a man
    assert 'name="pregnant"' not in client.get(step_url("health")).content.decode()
    assert session_intake(client)["history"]["pregnant"] is None


def test_a_person_can_start_again(client: Client) -> None:
    walk_through(client, answers_for(example("06")))
    assert "Continue where I left off" not in client.get(START).content.decode()
    client.post(reverse("selfcheck:restart"))
    assert "selfcheck" not in client.session
    assert client.get(RESULTS)["Location"] == START


def test_every_input_has_a_label_and_every_radio_group_a_legend(client: Client) -> None:
    walk_through(client, answers_for(example("07")))
    for slug in STEP_SLUGS:
        page = client.get(step_url(slug)).content.decode()
        for input_id in re.findall(r'<(?:input|select)(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', page):
            if input_id == "language":
                continue
            assert f'for="{input_id}"' in page, (slug, input_id)
        assert page.count("<fieldset") == page.count("<legend>")
