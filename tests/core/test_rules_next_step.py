"""Spec §3.2 Next step when routine: steps 0-4, each on both sides.

0. night_pain (constant) with age >= 50 and no cross-sectional imaging → imaging, whatever the duration
   (only when night_pain and age are both known).
1. duration_weeks < 6 → conservative_care.
2. Otherwise, no cross-sectional imaging: imaging only if there is a radicular picture or claudication and
   conservative care has failed for 6 weeks; otherwise conservative_care. Unknown facts here → imaging.
3. Otherwise, any procedure other than conservative_care is candidate or possible → specialist_consultation.
4. Otherwise → conservative_care.
Unknown duration_weeks → treated as step 2 onward, and listed as missing.
"""

from __future__ import annotations

from typing import Any

import pytest
from builders import BASELINE, MILD, OPEN_SURGERY, SCIATICA, UNKNOWN, assess_doc, care, edit, finding, study

# Back pain only, no imaging at all.
BACK_PAIN_NO_IMAGING = edit(BASELINE, {"/imaging": []})
# Left sciatica with 8-10 weeks of failed care but no imaging (like example 04).
SCIATICA_NO_IMAGING = edit(SCIATICA, {"/imaging": []})
NIGHT_PAIN_AT_50 = {"/red_flags/night_pain": True, "/patient/age": 50, "/symptoms/duration_weeks": 3}

ROWS: list[tuple[str, dict[str, Any], dict[str, Any], str]] = [
    # id, base, changes, expected next_step
    # step 0
    (
        "night-pain-at-50-without-imaging-is-imaging-even-at-3-weeks",
        BACK_PAIN_NO_IMAGING,
        NIGHT_PAIN_AT_50,
        "imaging",
    ),
    (
        "night-pain-at-49-is-conservative-care-at-3-weeks",
        BACK_PAIN_NO_IMAGING,
        {**NIGHT_PAIN_AT_50, "/patient/age": 49},
        "conservative_care",
    ),
    (
        "night-pain-at-50-with-a-recent-mri-is-conservative-care-at-3-weeks",
        BASELINE,
        NIGHT_PAIN_AT_50,
        "conservative_care",
    ),
    (
        "night-pain-at-50-with-a-13-month-old-mri-is-imaging",
        BASELINE,
        {**NIGHT_PAIN_AT_50, "/imaging/0/months_ago": 13},
        "imaging",
    ),
    (
        "night-pain-at-50-with-only-an-xray-is-imaging",
        BASELINE,
        {**NIGHT_PAIN_AT_50, "/imaging/0/modality": "xray"},
        "imaging",
    ),
    (
        "night-pain-at-unknown-age-is-not-step-0",
        BACK_PAIN_NO_IMAGING,
        {**NIGHT_PAIN_AT_50, "/patient/age": UNKNOWN},
        "conservative_care",
    ),
    (
        "unknown-night-pain-at-70-is-not-step-0",
        BACK_PAIN_NO_IMAGING,
        {**NIGHT_PAIN_AT_50, "/patient/age": 70, "/red_flags/night_pain": UNKNOWN},
        "conservative_care",
    ),
    (
        "night-pain-at-50-without-imaging-in-back-pain-of-10-weeks-is-imaging",
        BACK_PAIN_NO_IMAGING,
        {**NIGHT_PAIN_AT_50, "/symptoms/duration_weeks": 10},
        "imaging",
    ),
    # step 1
    (
        "sciatica-of-5.9-weeks-is-conservative-care",
        SCIATICA_NO_IMAGING,
        {"/symptoms/duration_weeks": 5.9},
        "conservative_care",
    ),
    (
        "sciatica-of-6-weeks-with-failed-care-is-imaging",
        SCIATICA_NO_IMAGING,
        {"/symptoms/duration_weeks": 6},
        "imaging",
    ),
    (
        "sciatica-of-5.9-weeks-with-mri-is-still-conservative-care",
        SCIATICA,
        {"/symptoms/duration_weeks": 5.9},
        "conservative_care",
    ),
    # step 2
    ("radicular-picture-with-failed-care-and-no-imaging-is-imaging", SCIATICA_NO_IMAGING, {}, "imaging"),
    (
        "claudication-with-failed-care-and-no-imaging-is-imaging",
        MILD,
        {"/imaging": [], "/symptoms/leg_pain_below_knee": False},
        "imaging",
    ),
    ("back-pain-alone-without-imaging-is-conservative-care", BACK_PAIN_NO_IMAGING, {}, "conservative_care"),
    (
        "radicular-picture-without-any-care-is-conservative-care",
        SCIATICA_NO_IMAGING,
        {"/conservative_care": []},
        "conservative_care",
    ),
    (
        "radicular-picture-with-only-good-relief-is-conservative-care",
        SCIATICA_NO_IMAGING,
        {"/conservative_care": [care("physiotherapy", 8, "good_relief")]},
        "conservative_care",
    ),
    ("only-an-xray-counts-as-no-imaging", SCIATICA, {"/imaging/0/modality": "xray"}, "imaging"),
    ("mri-13-months-old-counts-as-no-imaging", SCIATICA, {"/imaging/0/months_ago": 13}, "imaging"),
    (
        "unknown-care-with-radicular-picture-is-imaging",
        SCIATICA_NO_IMAGING,
        {"/conservative_care": UNKNOWN},
        "imaging",
    ),
    (
        "unknown-below-knee-and-no-other-radicular-sign-is-imaging",
        SCIATICA_NO_IMAGING,
        {"/symptoms/leg_pain_below_knee": UNKNOWN, "/symptoms/numbness": False},
        "imaging",
    ),
    (
        "unknown-claudication-in-back-pain-with-failed-care-is-imaging",
        BACK_PAIN_NO_IMAGING,
        {"/symptoms/claudication": UNKNOWN},
        "imaging",
    ),
    (
        "unknown-duration-with-radicular-picture-and-an-8-week-failed-entry-is-imaging",
        SCIATICA_NO_IMAGING,
        {"/symptoms/duration_weeks": UNKNOWN},
        "imaging",
    ),
    (
        "unknown-duration-with-short-entries-is-imaging",
        SCIATICA_NO_IMAGING,
        {"/symptoms/duration_weeks": UNKNOWN, "/conservative_care": [care("physiotherapy", 3, "no_relief")]},
        "imaging",
    ),
    # step 3
    (
        "microdiscectomy-candidate-with-mri-is-specialist-consultation",
        SCIATICA,
        {},
        "specialist_consultation",
    ),
    (
        "a-possible-procedure-with-mri-is-specialist-consultation",
        SCIATICA,
        {"/history/asa_class": 3},
        "specialist_consultation",
    ),
    ("open-surgery-possible-is-specialist-consultation", OPEN_SURGERY, {}, "specialist_consultation"),
    ("mild-candidate-is-specialist-consultation", MILD, {}, "specialist_consultation"),
    (
        "unknown-duration-with-mri-and-a-candidate-is-specialist-consultation",
        SCIATICA,
        {"/symptoms/duration_weeks": UNKNOWN},
        "specialist_consultation",
    ),
    # step 4
    ("mri-with-nothing-to-operate-is-conservative-care", BASELINE, {}, "conservative_care"),
    (
        "only-insufficient-information-is-conservative-care",
        SCIATICA,
        {"/conservative_care": UNKNOWN},
        "conservative_care",
    ),
    (
        "unknown-duration-with-mri-and-nothing-to-operate-is-conservative-care",
        BASELINE,
        {"/symptoms/duration_weeks": UNKNOWN},
        "conservative_care",
    ),
    (
        "herniation-on-the-wrong-side-is-conservative-care",
        SCIATICA,
        {"/imaging/0/findings/0/side": "right"},
        "conservative_care",
    ),
]


@pytest.mark.parametrize(("base", "changes", "next_step"), [row[1:] for row in ROWS], ids=[row[0] for row in ROWS])
def test_next_step_when_routine(base: dict[str, Any], changes: dict[str, Any], next_step: str) -> None:
    result = assess_doc(edit(base, changes))
    assert result["urgency"] == "routine"
    assert result["next_step"] == next_step


@pytest.mark.parametrize(
    "base",
    [BACK_PAIN_NO_IMAGING, SCIATICA_NO_IMAGING, SCIATICA, BASELINE],
    ids=["back-pain-no-imaging", "sciatica-no-imaging", "sciatica-with-mri", "back-pain-with-mri"],
)
def test_unknown_duration_is_listed_as_missing(base: dict[str, Any]) -> None:
    """§3.2: "Unknown duration_weeks → treated as step 2 onward, and listed as missing"."""
    result = assess_doc(edit(base, {"/symptoms/duration_weeks": UNKNOWN}))
    assert "/symptoms/duration_weeks" in result["missing_information"]


def test_step_0_is_not_a_red_flag() -> None:
    """§3.1 night_pain alone does not raise urgency; §3.2 step 0 only sends for imaging."""
    result = assess_doc(edit(BACK_PAIN_NO_IMAGING, NIGHT_PAIN_AT_50))
    assert (result["urgency"], result["next_step"]) == ("routine", "imaging")


def test_a_study_without_an_age_counts_as_current() -> None:
    """§3.3: "unknown age counts as current" — so step 2 (no imaging) does not apply."""
    result = assess_doc(edit(SCIATICA, {"/imaging/0/months_ago": UNKNOWN}))
    assert result["next_step"] == "specialist_consultation"


@pytest.mark.parametrize(
    ("modality", "next_step"),
    [
        ("ct", "specialist_consultation"),
        ("ct_myelogram", "specialist_consultation"),
        ("xray_flexion_extension", "imaging"),
    ],
    ids=["ct-is-cross-sectional", "ct-myelogram-is-cross-sectional", "flexion-extension-films-are-not"],
)
def test_which_modalities_are_cross_sectional(modality: str, next_step: str) -> None:
    result = assess_doc(edit(SCIATICA, {"/imaging/0/modality": modality}))
    assert result["next_step"] == next_step


def test_the_only_cross_sectional_study_may_sit_beside_an_xray() -> None:
    """An x-ray next to a recent MRI does not hide the MRI."""
    doc = edit(SCIATICA, {"/imaging/-": study("xray", finding("L4-L5", "degenerative_disc"), months_ago=40)})
    assert assess_doc(doc)["next_step"] == "specialist_consultation"
