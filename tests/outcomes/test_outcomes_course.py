"""The typical course after a procedure (data/typical_course.yaml): it loads, a lookup returns the sourced points,
every point is found in ../shared/spec/clinical-evidence.md next to its study, and a broken entry is refused when
the catalogue is loaded, with the entry named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from test_outcomes_catalogue import raw_data

from spinepath.core.assessment import PROCEDURE_IDS
from spinepath.core.knowledge import load_knowledge
from spinepath.core.outcomes import CoursePoint, OutcomeDataError, instrument, load_catalogue, typical_course
from spinepath.core.outcomes.catalogue import validate

EVIDENCE = Path(__file__).resolve().parents[3] / "shared" / "spec" / "clinical-evidence.md"
POINTS = load_catalogue().typical_courses


def _id(point: CoursePoint) -> str:
    measure = f"{point.instrument}-{point.subscale}" if point.subscale else point.instrument
    return f"{point.procedure}-{measure}-{point.months}m-{point.study}-{point.mean_change}"


# ---- what is shipped ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("procedure", "instrument_id", "subscale", "expected"), [
    pytest.param("mild", "odi", None, [(24, -22.7, "MiDAS ENCORE", 143, "midas-encore-2yr"),
                                       (36, -16.9, "MOTION", 48, "motion-3yr")], id="mild-odi-encore-and-motion"),
    pytest.param("mild", "nrs_back_pain", None, [(36, -3.0, "MOTION", 48, "motion-3yr")],
                 id="mild-back-pain-motion-only"),
    pytest.param("mild", "nrs_leg_pain", None, [(36, -4.3, "MOTION", 48, "motion-3yr")], id="mild-leg-pain-motion"),
    pytest.param("mild", "zcq", "symptom_severity", [(24, -1.0, "MiDAS ENCORE", 143, "midas-encore-2yr"),
                                                     (36, -0.8, "MOTION", 48, "motion-3yr")],
                 id="mild-zcq-symptom-severity"),
    pytest.param("mild", "zcq", "physical_function", [(24, -0.8, "MiDAS ENCORE", 143, "midas-encore-2yr"),
                                                      (36, -0.6, "MOTION", 48, "motion-3yr")],
                 id="mild-zcq-physical-function"),
    pytest.param("microdiscectomy", "odi", None, [(48, -38.1, "SPORT", None, "sport-ldh-4yr"),
                                                  (96, -36.2, "SPORT", None, "sport-ldh-8yr")],
                 id="microdiscectomy-odi-sport-surgery-as-treated"),
    pytest.param("conservative_care", "odi", None, [(48, -24.9, "SPORT", None, "sport-ldh-4yr"),
                                                    (96, -24.8, "SPORT", None, "sport-ldh-8yr")],
                 id="conservative-care-odi-sport-non-operative-as-treated"),
    pytest.param("mis_decompression", "odi", None, [(12, -15.2, "NORspine", None, "norspine-registry"),
                                                    (12, -16.9, "NORspine", None, "norspine-registry"),
                                                    (12, -16.7, "NORspine", None, "norspine-registry"),
                                                    (60, -18.2, "NORDSTEN-SST", None, "nordsten-sst"),
                                                    (60, -19.0, "NORDSTEN-SST", None, "nordsten-sst"),
                                                    (60, -18.6, "NORDSTEN-SST", None, "nordsten-sst")],
                 id="mis-decompression-odi-norspine-and-nordsten"),
    pytest.param("mis_decompression", "nrs_back_pain", None, [(60, -2.2, "QOD", None, "qod-5yr-aans-2025")],
                 id="mis-decompression-back-pain-qod"),
    pytest.param("mis_tlif", "nrs_back_pain", None, [(60, -4.0, "QOD", None, "qod-5yr-aans-2025")],
                 id="mis-tlif-back-pain-qod"),
    pytest.param("mild", "walking_tolerance", None, [], id="no-sourced-course-for-walking"),
    pytest.param("endoscopic_discectomy", "odi", None, [], id="endoscopic-has-none"),
    pytest.param("open_surgery", "nrs_leg_pain", None, [], id="open-surgery-has-none"),
])
def test_a_lookup_returns_the_sourced_points_earliest_first(procedure, instrument_id, subscale, expected) -> None:
    found = typical_course(procedure, instrument_id, subscale=subscale)
    assert [(p.months, p.mean_change, p.study, p.n, *p.evidence.sources) for p in found] == expected
    assert all(p.evidence.strength == "T" and p.evidence.status == "sourced" for p in found)


def test_the_encore_pain_figure_is_not_shipped_because_back_or_leg_is_not_stated() -> None:
    # clinical-evidence.md §1d: "NPRS by 3.6 points", without saying back or leg pain.
    assert not any(p.mean_change == -3.6 for p in POINTS)


def test_every_procedure_and_instrument_of_the_file_is_known() -> None:
    catalogue = load_catalogue()
    for point in POINTS:
        assert point.procedure in PROCEDURE_IDS
        inst = catalogue.instrument(point.instrument)
        assert point.subscale is None or inst.subscale(point.subscale)


@pytest.mark.parametrize(("call", "message"), [
    pytest.param(lambda: typical_course("mildd", "odi"), "unknown procedure 'mildd' (did you mean 'mild'?)",
                 id="unknown-procedure"),
    pytest.param(lambda: typical_course("mild", "nrs_back"), "unknown instrument 'nrs_back'", id="unknown-instrument"),
    pytest.param(lambda: typical_course("mild", "zcq", subscale="severity"), "severity", id="unknown-subscale"),
])
def test_an_unknown_id_in_a_lookup_is_named(call, message) -> None:
    with pytest.raises(KeyError) as caught:
        call()
    assert message in str(caught.value)


# ---- every point is the evidence's ------------------------------------------------------------------------------


def _passages() -> list[str]:
    """Each top-level bullet of clinical-evidence.md with its sub-bullets, after the heading of its section."""
    passages: list[list[str]] = []
    heading, current = "", None
    for line in EVIDENCE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            heading, current = line, None
        elif line.startswith("- "):
            current = [heading, line]
            passages.append(current)
        elif line.startswith("  ") and current is not None:
            current.append(line)
        else:
            current = None
    return ["\n".join(p) for p in passages]


def _time_words(months: int) -> re.Pattern[str]:
    """How the evidence writes the time: "2 years", "2-year", "12-month"."""
    spans = [rf"{months}[- ]months?"]
    if months % 12 == 0:
        spans.append(rf"{months // 12}[- ]years?")
    return re.compile(rf"\b(?:{'|'.join(spans)})\b")


@pytest.mark.parametrize("point", POINTS, ids=_id)
def test_every_point_is_written_in_the_evidence_next_to_its_study(point: CoursePoint) -> None:
    if not EVIDENCE.exists():
        pytest.skip("../shared/spec/clinical-evidence.md is not beside the project")
    figure = f"{abs(point.mean_change):.1f}"
    assert figure in point.as_published, f"{figure} is not in the words copied from the evidence"
    passages = [p for p in _passages() if point.as_published in p]
    assert passages, f"{point.as_published!r} is not in clinical-evidence.md"
    beside = [p for p in passages if point.study in p and point.arm_as_published in p
              and _time_words(point.months).search(p) and (point.n is None or re.search(rf"\b{point.n}\b", p))]
    assert beside, f"{point.where}: no passage has the figure with its study, group, time and number of people"
    # The sign: a figure written with a minus is a fall; an unsigned one is written as an improvement, which on
    # a lower-is-better score is a fall too.
    inst = instrument(point.instrument)
    higher_is_better = (inst.subscale(point.subscale).higher_is_better if point.subscale
                        else inst.scoring.higher_is_better)
    if re.search(rf"[−-]{re.escape(figure)}", point.as_published):
        assert point.mean_change < 0
    else:
        assert any(re.search(r"improve", p, re.IGNORECASE) for p in beside)
        assert (point.mean_change > 0) == higher_is_better


def test_every_source_is_the_knowledge_bases_entry_for_the_study() -> None:
    kb = load_knowledge()
    for point in POINTS:
        for source_id in point.evidence.sources:
            assert source_id in kb.sources, f"{point.where} cites {source_id!r}, not a knowledge-base source"


# ---- broken entries are refused when loaded ------------------------------------------------------------------

BROKEN = """
points:
  - procedure: mild
    instrument: nrs_back_pain
    months: 36
    mean_change: -3.0
    study: MOTION
    group: people treated with mild plus usual medical care
    as_published: NPRS back 3.0
    arm_as_published: 48 mild+CMM
    evidence: {sources: [motion-3y], strength: T}
  - procedure: mild_plus
    instrument: nrs_leg
    months: 36
    mean_change: -4.3
    study: MOTION
    group: people treated with mild plus usual medical care
    as_published: NPRS leg 4.3
    arm_as_published: 48 mild+CMM
    evidence: {sources: [motion-3yr], strength: T}
  - procedure: mild
    instrument: zcq
    months: 24
    mean_change: -1.0
    study: MiDAS ENCORE
    group: people treated with mild
    as_published: ZCQ symptom severity by 1.0
    arm_as_published: 143 mild
    evidence: {sources: [midas-encore-2yr], strength: T}
  - procedure: mild
    instrument: odi
    months: 24
    mean_change: -122.7
    study: MiDAS ENCORE
    group: people treated with mild
    as_published: ODI improved by 22.7 points
    arm_as_published: 143 mild
    evidence: {sources: [midas-encore-2yr], strength: T}
  - procedure: mild
    instrument: odi
    months: 36
    mean_change: -16.94
    study: MOTION
    group: people treated with mild plus usual medical care
    as_published: ODI 16.9
    arm_as_published: 48 mild+CMM
    evidence: {sources: [motion-3yr], strength: T}
"""


def _refused(document: str) -> str:
    raw = raw_data()
    raw["typical_course"] = yaml.safe_load(document)
    with pytest.raises(OutcomeDataError) as caught:
        validate(raw, knowledge_sources=load_knowledge().sources)
    return str(caught.value)


def test_a_point_citing_an_unknown_source_is_refused_with_the_entry_named() -> None:
    only_the_first = BROKEN.split("  - procedure: mild_plus")[0]
    message = _refused(only_the_first)
    assert ("typical_course.yaml, mild, nrs_back_pain at 36 months (MOTION) (/evidence/sources/0): unknown source id "
            "'motion-3y' (did you mean 'motion-3yr'?)") in message


@pytest.mark.parametrize("expected", [
    pytest.param("point 1 (mild_plus, nrs_leg at 36 months (MOTION)) (/procedure): unknown procedure 'mild_plus' "
                 "(did you mean 'mild'?)", id="unknown-procedure"),
    pytest.param("point 1 (mild_plus, nrs_leg at 36 months (MOTION)) (/instrument): unknown instrument 'nrs_leg'",
                 id="unknown-instrument"),
    pytest.param("point 2 (mild, zcq at 24 months (MiDAS ENCORE)) (/subscale): ZCQ has no bounded total; name one of "
                 "its subscales", id="a-zcq-point-needs-a-subscale"),
    pytest.param("point 3 (mild, odi at 24 months (MiDAS ENCORE)) (/mean_change): a change of -122.7 does not fit "
                 "the scale 0 to 100", id="a-change-larger-than-the-scale"),
    pytest.param("point 4 (/mean_change): Value error, -16.94 has more than one decimal", id="more-than-one-decimal"),
])
def test_every_broken_point_is_named_when_the_catalogue_is_loaded(expected: str) -> None:
    assert expected in _refused(BROKEN)


def test_a_catalogue_without_the_typical_course_file_is_refused() -> None:
    assert "typical_course.yaml: expected 'points:'" in _refused("{}")
