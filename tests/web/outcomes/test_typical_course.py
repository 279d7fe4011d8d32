"""The typical course on the recovery chart: a patient whose operation has sourced figures for a score sees them on
the chart and, under it, each figure in words with its source and a sentence saying they are group averages, not a
prediction; a score or operation without figures keeps the sentence that none exists; figures after the chart's end
or without a baseline are listed, not drawn; the staff see the same; and the Turkish page says it in Turkish."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import override_settings
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from spinepath.core.outcomes import CoursePoint, Evidence, instrument, typical_course
from spinepath.web.outcomes import charts, meaning
from spinepath.web.outcomes.recovery import Point

from .conftest import OPERATION_DAY, accepted_request, client_for
from .test_recovery_pages import NO_WARNING_SIGNS, days

pytestmark = pytest.mark.django_db

MOTION_BACK = ("MOTION, 3 years after treatment: people treated with mild plus usual medical care (48 people), on "
               "average 3.0 points better than before treatment.")
MOTION_LEG = ("MOTION, 3 years after treatment: people treated with mild plus usual medical care (48 people), on "
              "average 4.3 points better than before treatment.")
ENCORE_ODI = ("MiDAS ENCORE, 2 years after treatment: people treated with mild (143 people), on average 22.7 points "
              "better than before treatment.")
MOTION_ODI = ("MOTION, 3 years after treatment: people treated with mild plus usual medical care (48 people), on "
              "average 16.9 points better than before treatment.")
SPORT_8_YEARS = ("SPORT, 8 years after treatment: people with a disc herniation who had surgery (grouped by the "
                 "treatment they had), on average 36.2 points better than before treatment. Not on the chart, which "
                 "stops 5 years after the operation.")
NOT_FOR_YOU = ("These are averages of groups of people in studies, not a prediction for you: people vary widely, "
               "and many do better or worse than the average.")
NOT_FOR_THIS_PATIENT = ("These are averages of groups of people in studies, not a prediction for this patient: people "
                        "vary widely, and many do better or worse than the average.")
DRAWN = "Hollow grey markers on the chart"
NO_BASELINE = "Without a score from before the operation, these averages cannot be placed on the chart."
NO_COURSE = ("spinepath&#x27;s evidence holds no sourced typical course of this score after this operation, so none "
             "is drawn.")
MOTION_URL = "https://tomesphere.com/paper/PMC11951193.md"
ENCORE_URL = "https://journals.lww.com/rapm/Fulltext/2018/10000/Long_Term_Safety_and_Efficacy_of_Minimally.16.aspx"


def operated(client: Any, reference: str, procedure: str) -> None:
    response = client.post(f"/en/outcomes/mine/{reference}/operation/",
                           {"procedure_id": procedure, "procedure_date": OPERATION_DAY.isoformat()})
    assert response.status_code == 302, response.content.decode()[:2000]


def card(page: str, instrument_id: str) -> str:
    """One score's section of the recovery page."""
    found = re.search(rf'<section class="card outcomes-score" aria-labelledby="score-{instrument_id}">(.*?)</section>',
                      page, re.DOTALL)
    assert found, f"no card for {instrument_id}"
    return found[1]


def mild_patient_with_baselines(make_patient: Any, world: dict[str, Any], **answers: str) -> tuple[Any, Any]:
    patient = make_patient()
    request_obj = accepted_request(patient, world, procedure="mild")
    client = client_for(patient)
    client.post("/en/outcomes/baseline/", {"request": request_obj.reference, **answers})
    operated(client, request_obj.reference, "mild")
    return client, request_obj


def test_a_mild_patient_sees_the_motion_figures_with_their_source_under_the_pain_charts(make_patient, world,
                                                                                        move_to) -> None:
    client, request_obj = mild_patient_with_baselines(make_patient, world, nrs_back_pain__pain="7",
                                                      nrs_leg_pain__pain="8")
    page = client.get(f"/en/outcomes/mine/{request_obj.reference}/").content.decode()
    back, leg = card(page, "nrs_back_pain"), card(page, "nrs_leg_pain")
    assert "Typical course in studies" in back and DRAWN in back
    assert MOTION_BACK in back and MOTION_LEG in leg
    assert f'<a href="{MOTION_URL}">MOTION trial, 3-year results</a>' in back
    assert '<a href="/en/sources/#motion-3yr">motion-3yr</a>' in back
    assert NOT_FOR_YOU in back and NOT_FOR_YOU in leg
    assert NO_COURSE not in back and NO_COURSE not in leg
    # MiDAS ENCORE's pain figure is not given as back or leg pain: it is on neither chart.
    assert "MiDAS ENCORE" not in back and "MiDAS ENCORE" not in leg
    chart = client.get(f"/en/outcomes/chart/{request_obj.reference}/nrs_back_pain.png")
    assert chart.status_code == 200 and chart.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_with_the_odi_the_mild_patient_also_sees_midas_encore(make_patient, world, move_to, tmp_path: Path) -> None:
    """The ODI's wording is licensed: offered here from a placeholder item-text file, as a deployer would."""
    odi = instrument("odi")
    (tmp_path / "odi.yaml").write_text(yaml.safe_dump({
        "format": "spinepath.item-texts/1", "instrument": "odi", "version": odi.version,
        "source": "test fixture: placeholder wording, not the ODI",
        "items": {item.id: {"text": f"Section {item.number}", "options": [f"statement {k}" for k in range(6)]}
                  for item in odi.items}}), encoding="utf-8")
    with override_settings(SPINEPATH_INSTRUMENT_TEXT_DIR=str(tmp_path)):
        client, request_obj = mild_patient_with_baselines(
            make_patient, world, nrs_back_pain__pain="7", **{f"odi__{item.id}": "3" for item in odi.items})
        page = client.get(f"/en/outcomes/mine/{request_obj.reference}/").content.decode()
        chart = client.get(f"/en/outcomes/chart/{request_obj.reference}/odi.png")
    odi_card = card(page, "odi")
    assert ENCORE_ODI in odi_card and MOTION_ODI in odi_card
    assert odi_card.index(ENCORE_ODI) < odi_card.index(MOTION_ODI)  # earliest first
    assert f'<a href="{ENCORE_URL}">MiDAS ENCORE 2-year results</a>' in odi_card
    assert '<a href="/en/sources/#midas-encore-2yr">midas-encore-2yr</a>' in odi_card
    assert chart.status_code == 200 and chart.content[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("procedure", "answers", "instrument_id"), [
    pytest.param("microdiscectomy", {"nrs_leg_pain__pain": "8"}, "nrs_leg_pain", id="microdiscectomy-leg-pain"),
    pytest.param("endoscopic_discectomy", {"nrs_back_pain__pain": "6"}, "nrs_back_pain", id="endoscopic-back-pain"),
    pytest.param("mild", {"walking_tolerance__minutes": "10"}, "walking_tolerance", id="mild-walking-tolerance"),
])
def test_a_score_without_sourced_figures_keeps_the_sentence_that_none_exists(make_patient, world, move_to, procedure,
                                                                            answers, instrument_id) -> None:
    assert typical_course(procedure, instrument_id) == ()
    patient = make_patient()
    request_obj = accepted_request(patient, world, procedure=procedure)
    client = client_for(patient)
    client.post("/en/outcomes/baseline/", {"request": request_obj.reference, **answers})
    operated(client, request_obj.reference, procedure)
    page = card(client.get(f"/en/outcomes/mine/{request_obj.reference}/").content.decode(), instrument_id)
    assert NO_COURSE in page
    assert "Typical course in studies" not in page and NOT_FOR_YOU not in page


def test_without_a_baseline_the_figures_are_listed_and_not_drawn(make_patient, world, move_to) -> None:
    patient = make_patient()
    request_obj = accepted_request(patient, world, procedure="mild")
    client = client_for(patient)
    operated(client, request_obj.reference, "mild")
    move_to(days(14))
    client.post(f"/en/outcomes/mine/{request_obj.reference}/week_2/", {"nrs_back_pain__pain": "4",
                                                                        **NO_WARNING_SIGNS})
    back = card(client.get(f"/en/outcomes/mine/{request_obj.reference}/").content.decode(), "nrs_back_pain")
    assert MOTION_BACK in back and NO_BASELINE in back and DRAWN not in back


def test_the_staff_see_the_same_figures_said_of_the_patient(make_patient, world, move_to) -> None:
    _, request_obj = mild_patient_with_baselines(make_patient, world, nrs_back_pain__pain="7")
    page = client_for(world["coordinator"]).get(f"/en/outcomes/staff/{request_obj.reference}/").content.decode()
    back = card(page, "nrs_back_pain")
    assert MOTION_BACK in back and f'<a href="{MOTION_URL}">' in back
    assert NOT_FOR_THIS_PATIENT in back and NOT_FOR_YOU not in back


def test_the_turkish_page_gives_the_figures_in_turkish(make_patient, world, move_to) -> None:
    client, request_obj = mild_patient_with_baselines(make_patient, world, nrs_back_pain__pain="7")
    back = card(client.get(f"/tr/outcomes/mine/{request_obj.reference}/").content.decode(), "nrs_back_pain")
    assert ("MOTION, tedaviden 3 yıl sonra: mild ile birlikte olağan tıbbi tedavi uygulanan kişiler (48 kişi), "
            "tedavi öncesine göre ortalama 3.0 puan daha iyi.") in back
    assert "MOTION, 3 years after treatment" not in back
    with translation.override("tr"):
        for english in ("Typical course in studies", NOT_FOR_YOU):
            assert gettext(english) != english
            assert escape(gettext(english)) in back and english not in back
    assert '<a href="/tr/sources/#motion-3yr">motion-3yr</a>' in back


# ---- placing the figures on the chart -------------------------------------------------------------------------


@pytest.mark.parametrize(("procedure", "instrument_id", "baseline", "expected"), [
    pytest.param("mild", "nrs_back_pain", 7.0, [(36, 4.0, False, None)], id="baseline-plus-the-mean-change"),
    pytest.param("mild", "nrs_leg_pain", 3.0, [(36, 0.0, True, None)], id="kept-within-the-scale"),
    pytest.param("microdiscectomy", "odi", 60.0, [(48, pytest.approx(21.9), False, None),
                                                  (96, None, False, "after_range")],
                 id="eight-years-is-after-the-chart"),
    pytest.param("mild", "nrs_back_pain", None, [(36, None, False, "no_baseline")], id="no-baseline-nothing-drawn"),
])
def test_place_course(procedure, instrument_id, baseline, expected) -> None:
    inst = instrument(instrument_id)
    markers = charts.place_course(inst, typical_course(procedure, instrument_id), baseline)
    assert [(m.point.months, m.value, m.clipped, m.not_drawn) for m in markers] == expected


def test_a_subscale_figure_is_never_drawn() -> None:
    zcq = instrument("zcq")
    course = typical_course("mild", "zcq", subscale="symptom_severity")
    assert {m.not_drawn for m in charts.place_course(zcq, course, 2.5)} == {"no_chart"}


def test_the_chart_with_a_typical_course_is_a_different_picture() -> None:
    inst = instrument("nrs_back_pain")
    points = [Point("baseline", "Before", OPERATION_DAY, 7.0, True, None, -10),
              Point("week_2", "2 weeks after", days(14), 5.0, True, None, 14)]
    plain = charts.score_chart_png(inst, points, "MILD")
    with_course = charts.score_chart_png(
        inst, points, "MILD", course=charts.place_course(inst, typical_course("mild", "nrs_back_pain"), 7.0))
    assert with_course[:8] == b"\x89PNG\r\n\x1a\n" and with_course != plain


# ---- the figures in words ---------------------------------------------------------------------------------------


def test_a_subscale_figure_is_listed_with_its_subscale() -> None:
    zcq = instrument("zcq")
    course = [p for s in zcq.subscales for p in typical_course("mild", "zcq", subscale=s.id)]
    with translation.override("en"):
        caption = meaning.typical_course(zcq, charts.place_course(zcq, course, None, charted=False),
                                         for_patient=True)
    assert caption is not None and caption.intro is None  # nothing is drawn, and nothing says it is
    assert [line.text for line in caption.lines][:2] == [
        "MiDAS ENCORE (Symptom severity), 2 years after treatment: people treated with mild (143 people), on average "
        "1.0 points better than before treatment.",
        "MOTION (Symptom severity), 3 years after treatment: people treated with mild plus usual medical care (48 "
        "people), on average 0.8 points better than before treatment."]
    assert caption.lines[0].sources[0].id == "midas-encore-2yr" and caption.lines[0].sources[0].on_sources_page


@pytest.mark.parametrize(("mean_change", "months", "expected"), [
    pytest.param(-2.0, 12, "Study X, 12 months after treatment: a group, on average 2.0 points better than before "
                           "treatment.", id="a-fall-in-pain-is-better"),
    pytest.param(1.5, 1, "Study X, 1 month after treatment: a group, on average 1.5 points worse than before "
                         "treatment.", id="a-rise-in-pain-is-worse"),
    pytest.param(0.0, 36, "Study X, 3 years after treatment: a group, on average the same as before treatment.",
                 id="no-change"),
])
def test_the_direction_is_read_from_the_instrument(mean_change, months, expected) -> None:
    nrs = instrument("nrs_back_pain")
    point = CoursePoint(procedure="mild", instrument="nrs_back_pain", months=months, mean_change=mean_change,
                        study="Study X", group="a group", as_published="x", arm_as_published="x",
                        evidence=Evidence(sources=["motion-3yr"], strength="T"))
    with translation.override("en"):
        caption = meaning.typical_course(nrs, charts.place_course(nrs, [point], 5.0), for_patient=False)
    assert caption is not None and caption.lines[0].text == expected
