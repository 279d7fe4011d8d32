"""Spec §3.1 Urgency, row by row, each threshold on both sides.

"Urgency (checked first; red flags bypass every duration rule)." Every row starts from BASELINE (a routine
50-year-old with 10 weeks of back pain only, everything known and benign) and changes only what it names.
"""

from __future__ import annotations

from typing import Any

import pytest
from builders import BASELINE, SCIATICA, UNKNOWN, assess_doc, edit, finding, study

NEXT_STEP_OF = {"emergency": "emergency_department", "urgent": "urgent_specialist_review"}
CES_FIELDS = ("saddle_anaesthesia", "bladder_dysfunction", "bowel_dysfunction")


def _serious(kind: str, months_ago: float | None, modality: str = "mri") -> dict[str, Any]:
    """A change that adds a second study with one fracture/tumour/infection finding at L2-L3."""
    return {"/imaging/-": study(modality, finding("L2-L3", kind), months_ago=months_ago)}


NEURO = {"/symptoms/numbness": True}

URGENCY_ROWS: list[tuple[str, dict[str, Any], str]] = [
    # id, changes to BASELINE, expected urgency
    ("baseline-is-routine", {}, "routine"),
    # emergency: suspected CES
    ("saddle-anaesthesia-is-emergency", {"/red_flags/saddle_anaesthesia": True}, "emergency"),
    ("bladder-dysfunction-is-emergency", {"/red_flags/bladder_dysfunction": True}, "emergency"),
    ("bowel-dysfunction-is-emergency", {"/red_flags/bowel_dysfunction": True}, "emergency"),
    (
        "weakness-3-with-bilateral-sciatica-is-emergency",
        {"/symptoms/weakness_grade": 3, "/symptoms/bilateral_sciatica": True},
        "emergency",
    ),
    (
        "weakness-4-with-bilateral-sciatica-is-only-urgent",
        {"/symptoms/weakness_grade": 4, "/symptoms/bilateral_sciatica": True},
        "urgent",
    ),
    # emergency: suspected metastatic spinal compression
    ("cancer-with-numbness-is-emergency", {"/red_flags/cancer_history": True, **NEURO}, "emergency"),
    (
        "cancer-with-weakness-4-is-emergency",
        {"/red_flags/cancer_history": True, "/symptoms/weakness_grade": 4},
        "emergency",
    ),
    (
        "cancer-with-progressing-weakness-is-emergency",
        {"/red_flags/cancer_history": True, "/symptoms/weakness_progressing": True},
        "emergency",
    ),
    ("cancer-without-neuro-symptoms-is-urgent", {"/red_flags/cancer_history": True}, "urgent"),
    ("tumour-3-months-with-numbness-is-emergency", {**_serious("tumour", 3), **NEURO}, "emergency"),
    ("tumour-of-unknown-age-with-numbness-is-emergency", {**_serious("tumour", None), **NEURO}, "emergency"),
    ("tumour-3.5-months-with-numbness-is-routine", {**_serious("tumour", 3.5), **NEURO}, "routine"),
    # emergency: suspected spinal infection with neural compromise
    ("fever-with-numbness-is-emergency", {"/red_flags/fever": True, **NEURO}, "emergency"),
    (
        "fever-with-numbness-is-emergency-even-in-old-pain",
        {"/red_flags/fever": True, **NEURO, "/symptoms/duration_weeks": 52},
        "emergency",
    ),
    (
        "ivdu-new-pain-5.9-weeks-with-numbness-is-emergency",
        {"/red_flags/iv_drug_use": True, "/symptoms/duration_weeks": 5.9, **NEURO},
        "emergency",
    ),
    (
        "ivdu-pain-of-unknown-duration-with-numbness-is-emergency",
        {"/red_flags/iv_drug_use": True, "/symptoms/duration_weeks": UNKNOWN, **NEURO},
        "emergency",
    ),
    (
        "ivdu-pain-6-weeks-with-numbness-is-not-urgent",
        {"/red_flags/iv_drug_use": True, "/symptoms/duration_weeks": 6, **NEURO},
        "routine",
    ),
    (
        "immunosuppression-new-pain-with-weakness-4-is-emergency",
        {
            "/red_flags/immunosuppression": True,
            "/symptoms/duration_weeks": 5.9,
            "/symptoms/weakness_grade": 4,
        },
        "emergency",
    ),
    (
        "immunosuppression-pain-6-weeks-with-weakness-4-is-routine",
        {"/red_flags/immunosuppression": True, "/symptoms/duration_weeks": 6, "/symptoms/weakness_grade": 4},
        "routine",
    ),
    (
        "ivdu-recent-infection-and-numbness-in-old-pain-is-only-urgent",
        {"/red_flags/iv_drug_use": True, "/red_flags/recent_infection": True, **NEURO},
        "urgent",
    ),
    # emergency: major trauma
    (
        "trauma-with-pain-5.9-weeks-is-emergency",
        {"/red_flags/significant_trauma": True, "/symptoms/duration_weeks": 5.9},
        "emergency",
    ),
    (
        "trauma-with-pain-of-unknown-duration-is-emergency",
        {"/red_flags/significant_trauma": True, "/symptoms/duration_weeks": UNKNOWN},
        "emergency",
    ),
    (
        "trauma-with-pain-6-weeks-is-urgent",
        {"/red_flags/significant_trauma": True, "/symptoms/duration_weeks": 6},
        "urgent",
    ),
    # urgent: motor deficit
    ("weakness-3-alone-is-urgent", {"/symptoms/weakness_grade": 3}, "urgent"),
    ("weakness-4-alone-is-routine", {"/symptoms/weakness_grade": 4}, "routine"),
    ("progressing-weakness-is-urgent", {"/symptoms/weakness_progressing": True}, "urgent"),
    ("numbness-alone-is-routine", NEURO, "routine"),
    # urgent: suspected infection
    ("fever-alone-is-urgent", {"/red_flags/fever": True}, "urgent"),
    (
        "ivdu-with-new-pain-5.9-weeks-is-urgent",
        {"/red_flags/iv_drug_use": True, "/symptoms/duration_weeks": 5.9},
        "urgent",
    ),
    (
        "ivdu-with-pain-of-unknown-duration-is-urgent",
        {"/red_flags/iv_drug_use": True, "/symptoms/duration_weeks": UNKNOWN},
        "urgent",
    ),
    (
        "ivdu-with-pain-6-weeks-is-routine",
        {"/red_flags/iv_drug_use": True, "/symptoms/duration_weeks": 6},
        "routine",
    ),
    (
        "immunosuppression-with-new-pain-is-urgent",
        {"/red_flags/immunosuppression": True, "/symptoms/duration_weeks": 5.9},
        "urgent",
    ),
    (
        "immunosuppression-with-pain-6-weeks-is-routine",
        {"/red_flags/immunosuppression": True, "/symptoms/duration_weeks": 6},
        "routine",
    ),
    (
        "ivdu-with-recent-infection-is-urgent-in-old-pain",
        {"/red_flags/iv_drug_use": True, "/red_flags/recent_infection": True},
        "urgent",
    ),
    (
        "immunosuppression-with-recent-infection-is-urgent-in-old-pain",
        {"/red_flags/immunosuppression": True, "/red_flags/recent_infection": True},
        "urgent",
    ),
    ("recent-infection-alone-is-routine", {"/red_flags/recent_infection": True}, "routine"),
    ("infection-finding-3-months-is-urgent", _serious("infection", 3), "urgent"),
    ("infection-finding-of-unknown-age-is-urgent", _serious("infection", None), "urgent"),
    ("infection-finding-3.5-months-is-routine", _serious("infection", 3.5), "routine"),
    # urgent: suspected malignancy
    ("weight-loss-is-urgent", {"/red_flags/unexplained_weight_loss": True}, "urgent"),
    ("tumour-finding-3-months-is-urgent", _serious("tumour", 3), "urgent"),
    ("tumour-finding-of-unknown-age-is-urgent", _serious("tumour", None), "urgent"),
    ("tumour-on-a-recent-xray-is-urgent", _serious("tumour", 1, modality="xray"), "urgent"),
    ("tumour-finding-3.5-months-is-routine", _serious("tumour", 3.5), "routine"),
    # urgent: suspected fracture
    ("trauma-in-old-pain-is-urgent", {"/red_flags/significant_trauma": True}, "urgent"),
    (
        "osteoporosis-with-new-pain-5.9-weeks-is-urgent",
        {"/red_flags/osteoporosis": True, "/symptoms/duration_weeks": 5.9},
        "urgent",
    ),
    (
        "osteoporosis-with-pain-6-weeks-is-routine",
        {"/red_flags/osteoporosis": True, "/symptoms/duration_weeks": 6},
        "routine",
    ),
    (
        "steroids-with-new-pain-5.9-weeks-is-urgent",
        {"/red_flags/long_term_steroids": True, "/symptoms/duration_weeks": 5.9},
        "urgent",
    ),
    (
        "steroids-with-pain-6-weeks-is-routine",
        {"/red_flags/long_term_steroids": True, "/symptoms/duration_weeks": 6},
        "routine",
    ),
    # SPEC-AMBIGUOUS: the osteoporosis/steroids bullet says "duration_weeks < 6 (new pain)" without "or
    # unknown"; §3.1 defines new pain as "duration_weeks < 6 or unknown" two bullets earlier, and unknown must
    # never read as "no" for a red flag, so an unknown duration counts as new here too.
    (
        "osteoporosis-with-pain-of-unknown-duration-is-urgent",
        {"/red_flags/osteoporosis": True, "/symptoms/duration_weeks": UNKNOWN},
        "urgent",
    ),
    ("fracture-finding-3-months-is-urgent", _serious("fracture", 3), "urgent"),
    ("fracture-finding-of-unknown-age-is-urgent", _serious("fracture", None), "urgent"),
    ("fracture-on-a-recent-xray-is-urgent", _serious("fracture", 1, modality="xray"), "urgent"),
    ("fracture-finding-3.5-months-is-routine", _serious("fracture", 3.5), "routine"),
    # urgent: CES warning signs alone
    ("bilateral-sciatica-alone-is-urgent", {"/symptoms/bilateral_sciatica": True}, "urgent"),
    ("sexual-dysfunction-alone-is-urgent", {"/red_flags/sexual_dysfunction": True}, "urgent"),
    # routine
    ("night-pain-alone-stays-routine", {"/red_flags/night_pain": True}, "routine"),
    ("night-pain-at-80-stays-routine", {"/red_flags/night_pain": True, "/patient/age": 80}, "routine"),
]


@pytest.mark.parametrize(
    ("changes", "urgency"), [row[1:] for row in URGENCY_ROWS], ids=[row[0] for row in URGENCY_ROWS]
)
def test_urgency(changes: dict[str, Any], urgency: str) -> None:
    """§3.1: emergency if any emergency criterion; urgent if not emergency and any urgent criterion; otherwise
    routine. Emergency → next_step emergency_department; urgent → urgent_specialist_review."""
    result = assess_doc(edit(BASELINE, changes))
    assert result["urgency"] == urgency
    if urgency in NEXT_STEP_OF:
        assert result["next_step"] == NEXT_STEP_OF[urgency]
    else:
        assert result["next_step"] not in NEXT_STEP_OF.values()


RAISED = [row for row in URGENCY_ROWS if row[2] != "routine"]


@pytest.mark.parametrize("changes", [row[1] for row in RAISED], ids=[row[0] for row in RAISED])
def test_a_raised_urgency_lists_its_red_flags(changes: dict[str, Any]) -> None:
    """§2: red_flags: [{id, title, explanation, source}] — what raised the urgency is named, with a source."""
    result = assess_doc(edit(BASELINE, changes))
    assert result["red_flags"], "an emergency or urgent result must say which red flag raised it"
    for flag in result["red_flags"]:
        assert flag["id"] and flag["title"] and flag["explanation"] and flag["source"]


def test_no_red_flags_in_the_baseline() -> None:
    assert assess_doc(BASELINE)["red_flags"] == []


def test_both_ces_flags_are_listed() -> None:
    """Example 01: saddle anaesthesia and bladder dysfunction are each listed as a red flag."""
    result = assess_doc(edit(BASELINE, {"/red_flags/saddle_anaesthesia": True, "/red_flags/bladder_dysfunction": True}))
    assert len(result["red_flags"]) >= 2


@pytest.mark.parametrize(
    ("changes", "urgency"), [row[1:] for row in URGENCY_ROWS], ids=[row[0] for row in URGENCY_ROWS]
)
def test_safety_net_in_every_result_that_is_not_emergency(changes: dict[str, Any], urgency: str) -> None:
    """§2: "safety_net: text (in every result that is not emergency ...)"; the README: absent from an emergency."""
    result = assess_doc(edit(BASELINE, changes))
    if urgency == "emergency":
        assert "safety_net" not in result
    else:
        assert "emergency department" in result["safety_net"].lower()


@pytest.mark.parametrize(
    ("changes", "urgency"),
    [
        ({"/red_flags/bowel_dysfunction": True}, "emergency"),
        ({"/red_flags/unexplained_weight_loss": True}, "urgent"),
        ({}, "routine"),
    ],
    ids=["emergency-says-go-now", "urgent-says-within-48-hours", "routine-says-the-next-step"],
)
def test_advice_matches_the_urgency(changes: dict[str, Any], urgency: str) -> None:
    """§2 advice: emergency "go to an emergency department now"; urgent "see a doctor today or within 48
    hours"; routine: the next step in plain words."""
    advice = assess_doc(edit(BASELINE, changes))["advice"].lower()
    assert advice.strip()
    if urgency == "emergency":
        assert "emergency" in advice
    elif urgency == "urgent":
        assert "48" in advice or "today" in advice
    else:
        assert "emergency department" not in advice
        assert "48" not in advice


def test_red_flags_bypass_every_duration_rule() -> None:
    """§3.1 "red flags bypass every duration rule": 2 weeks of pain (which alone means conservative care, §3.2
    step 1) with a history of cancer goes to urgent review, and with saddle anaesthesia to the emergency
    department."""
    early = edit(SCIATICA, {"/symptoms/duration_weeks": 2, "/symptoms/numbness": False})
    assert assess_doc(early)["next_step"] == "conservative_care"
    assert assess_doc(edit(early, {"/red_flags/cancer_history": True}))["next_step"] == "urgent_specialist_review"
    assert assess_doc(edit(early, {"/red_flags/saddle_anaesthesia": True}))["next_step"] == "emergency_department"


CES_CASES = {
    "routine-baseline": BASELINE,
    "routine-sciatica": SCIATICA,
    "emergency-by-bladder": edit(BASELINE, {"/red_flags/bladder_dysfunction": True}),
    "emergency-by-trauma": edit(BASELINE, {"/red_flags/significant_trauma": True, "/symptoms/duration_weeks": 1}),
    "urgent-by-cancer": edit(BASELINE, {"/red_flags/cancer_history": True}),
}


@pytest.mark.parametrize("field", CES_FIELDS)
@pytest.mark.parametrize("base", CES_CASES.values(), ids=CES_CASES.keys())
def test_unknown_ces_field_is_always_in_missing_information(base: dict[str, Any], field: str) -> None:
    """§3.1: "Unknown CES fields (saddle_anaesthesia, bladder_dysfunction, bowel_dysfunction) are listed in
    missing_information in every assessment: patients rarely volunteer them; the interface must ask."""
    if base["red_flags"].get(field):
        pytest.skip("this field is the known cause of the emergency")
    result = assess_doc(edit(base, {f"/red_flags/{field}": UNKNOWN}))
    assert f"/red_flags/{field}" in result["missing_information"]


def test_known_ces_fields_are_not_missing() -> None:
    assert not {f"/red_flags/{f}" for f in CES_FIELDS} & set(assess_doc(BASELINE)["missing_information"])


def test_an_all_unknown_intake_asks_the_three_ces_questions() -> None:
    """§1: every field may be missing = unknown; §3.1: the unknown CES fields are always listed."""
    result = assess_doc({"schema": "spinepath.intake/1"})
    for field in CES_FIELDS:
        assert f"/red_flags/{field}" in result["missing_information"]
    assert result["urgency"] in {"emergency", "urgent", "routine"}
    assert len(result["procedures"]) == 7


def test_null_is_unknown_like_a_missing_field() -> None:
    """§1: "Every field may be missing or null = unknown"."""
    result = assess_doc(edit(BASELINE, {"/red_flags/saddle_anaesthesia": None}))
    assert "/red_flags/saddle_anaesthesia" in result["missing_information"]
