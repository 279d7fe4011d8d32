"""The report downloads of a finished self-check: the PDF report and the recovery-timeline chart."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pypdf
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from spinepath.core import assess, parse_intake
from spinepath.core.assessment import DISCLAIMER, STATUS_LABELS
from spinepath.core.rules.next_step import ADVICE_EMERGENCY, ADVICE_SPECIALIST
from spinepath.web.reports.answers import QUESTIONS, answer_rows
from spinepath.web.reports.charts import timeline_png, timeline_rows, timeline_svg
from spinepath.web.reports.pdf import render_report_html, render_report_pdf, timeline_procedures

EXAMPLES = Path(__file__).resolve().parents[3] / "shared" / "examples" / "intake"
GENERATED_AT = datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
SVG = "{http://www.w3.org/2000/svg}"


def example(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EXAMPLES / f"{name}.json").read_text(encoding="utf-8"))
    return document


def finished_check(client: Client, intake: dict[str, Any]) -> None:
    session = client.session
    session["selfcheck"] = {"answers": {}, "intake": intake, "finished": True}
    session.save()


def pdf_pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flat(text: str) -> str:
    """PDF text with line breaks (and hyphenation points) read as spaces, for phrase matching."""
    return " ".join(text.split())


@pytest.fixture(scope="module")
def mild_report() -> list[str]:
    intake = parse_intake(example("06-routine-mild-candidate"))
    return pdf_pages(render_report_pdf(intake, assess(intake), generated_at=GENERATED_AT, language="en"))


# --- the PDF ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_downloads_as_a_pdf_attachment(client: Client) -> None:
    finished_check(client, example("06-routine-mild-candidate"))
    response = client.get("/en/check/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="spinepath-report.pdf"'
    assert response.content.startswith(b"%PDF")
    text = flat(" ".join(pdf_pages(response.content)))
    assert flat(ADVICE_SPECIALIST) in text


def test_the_report_url_names() -> None:
    with translation.override("en"):
        assert reverse("reports:report_pdf") == "/en/check/report.pdf"
        assert reverse("reports:timeline") == "/en/check/timeline.svg"


@pytest.mark.parametrize(
    "expected",
    [
        pytest.param(flat(ADVICE_SPECIALIST), id="urgency-advice"),
        pytest.param("ROUTINE", id="urgency-in-words"),
        pytest.param("MILD", id="procedure-name"),
        pytest.param(STATUS_LABELS["candidate"], id="status-label-candidate"),
        pytest.param("Candidate", id="status-word"),
        pytest.param("midas-encore", id="source-id"),
        pytest.param("An appointment with a spine specialist", id="next-step"),
        pytest.param("Safety net", id="safety-net"),
        pytest.param("Typical recovery (from published sources)", id="timeline-section"),
        pytest.param("Your answers", id="answers-section"),
        pytest.param("I don't know", id="unknown-answers-said-as-such"),
        pytest.param("Sources cited", id="sources-section"),
        pytest.param("Weak evidence", id="weak-facts-flagged"),
    ],
)
def test_the_report_contains(mild_report: list[str], expected: str) -> None:
    assert expected in flat(" ".join(mild_report))


def test_the_first_page_carries_the_disclaimer_and_every_page_its_footer_and_number(mild_report: list[str]) -> None:
    assert flat(DISCLAIMER) in flat(mild_report[0])
    for number, page in enumerate(mild_report, start=1):
        assert "supports, not replaces, a clinician" in flat(page)
        assert f"Page {number} of {len(mild_report)}" in page


def test_an_emergency_report_starts_with_the_emergency_instruction() -> None:
    intake = parse_intake(example("01-emergency-cauda-equina"))
    assessment = assess(intake)
    assert assessment.urgency == "emergency"
    pages = pdf_pages(render_report_pdf(intake, assessment, generated_at=GENERATED_AT, language="en"))
    assert pages[0].lstrip().startswith(ADVICE_EMERGENCY)
    assert "EMERGENCY" in pages[0]


@pytest.mark.django_db
def test_the_report_renders_in_turkish(client: Client) -> None:
    finished_check(client, example("06-routine-mild-candidate"))
    response = client.get("/tr/check/report.pdf")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_the_html_report_is_dated_by_its_argument_and_follows_the_language() -> None:
    intake = parse_intake(example("06-routine-mild-candidate"))
    html = render_report_html(intake, assess(intake), generated_at=GENERATED_AT, language="en")
    assert "2025-03-01 10:30 UTC" in html  # ISO date: unambiguous in every language
    assert '<html lang="en"' in html
    assert "data:image/svg+xml;base64," in html


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/en/check/report.pdf", "/en/check/timeline.svg"])
def test_without_a_finished_check_it_sends_you_to_the_check(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/en/check/"


@pytest.mark.django_db
def test_an_unfinished_check_is_not_reported(client: Client) -> None:
    session = client.session
    session["selfcheck"] = {"answers": {}, "intake": example("06-routine-mild-candidate"), "finished": False}
    session.save()
    assert client.get("/en/check/report.pdf").status_code == 302


# --- the timeline chart ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_timeline_svg_is_valid_xml_naming_the_options_that_may_fit(client: Client) -> None:
    finished_check(client, example("06-routine-mild-candidate"))
    response = client.get("/en/check/timeline.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    text = " ".join(t for element in root.iter(f"{SVG}text") for t in element.itertext())
    assert "MILD" in text
    assert "MIS decompression" in text
    assert "Typical recovery (from published sources)" in text
    assert "Conservative care" not in text  # not an operation: no recovery timeline


def test_the_chart_shows_procedures_without_figures_as_such() -> None:
    with translation.override("en"):
        svg = timeline_svg(["conservative_care", "mild"])
    text = " ".join(ElementTree.fromstring(svg).itertext())
    assert "no sourced timeline" in text
    assert "weak" in text


def test_the_chart_is_also_a_png() -> None:
    assert timeline_png(["mis_tlif"], "en").startswith(b"\x89PNG\r\n\x1a\n")


def test_the_timeline_table_has_the_same_rows_as_the_chart() -> None:
    with translation.override("en"):
        rows = timeline_rows(["microdiscectomy", "mis_tlif"])
    assert [(r.procedure, r.milestone, r.when, r.weak) for r in rows] == [
        ("Microdiscectomy", "Home from hospital", "0–1 days", True),
        ("Microdiscectomy", "Back to desk work", "1–6 weeks", True),
        ("Microdiscectomy", "Back to physical work", "6–12 weeks", True),
        ("MIS-TLIF", "Up and walking", "1.2 days", False),
        ("MIS-TLIF", "Home from hospital", "2.9 days", False),
        ("MIS-TLIF", "Back to work", "25 days", True),
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        pytest.param("06-routine-mild-candidate", ["mild", "mis_decompression"], id="mild-candidate"),
        pytest.param("07-routine-mis-tlif-smoker", None, id="conservative-care-never-charted"),
    ],
)
def test_the_chart_covers_candidate_and_possible_operations(name: str, expected: list[str] | None) -> None:
    assessment = assess(parse_intake(example(name)))
    charted = timeline_procedures(assessment)
    assert "conservative_care" not in charted
    assert charted == [p.procedure for p in assessment.procedures
                       if p.status in ("candidate", "possible") and p.procedure != "conservative_care"]
    if expected is not None:
        assert charted == expected


# --- the answers table -----------------------------------------------------------------------------------------


def test_every_intake_question_has_words() -> None:
    from spinepath.core.intake import History, Patient, RedFlags, Symptoms

    for section, model in (("patient", Patient), ("symptoms", Symptoms), ("red_flags", RedFlags),
                           ("history", History)):
        assert set(QUESTIONS[section]) == set(model.model_fields), section


def test_unknown_answers_read_i_dont_know() -> None:
    with translation.override("en"):
        rows = answer_rows(parse_intake({"schema": "spinepath.intake/1", "patient": {"age": 60}}))
    by_question = {row.question: row.answer for row in rows}
    assert by_question["Age (years)"] == "60"
    assert by_question["Fever"] == "I don't know"
    assert by_question["Treatments tried"] == "I don't know"
    assert by_question["Scans and x-rays"] == "I don't know"
