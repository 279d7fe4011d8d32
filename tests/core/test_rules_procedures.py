"""Spec §3.4 Per procedure: every bullet, both sides of every threshold, and §3.3 Levels.

Bases (from ``builders``): MILD → mild candidate at L4-L5; SCIATICA → microdiscectomy and endoscopic
discectomy candidate at L5-S1; MIS_DECOMPRESSION → mis_decompression candidate at L4-L5; MIS_TLIF → mis_tlif
candidate at L4-L5; OPEN_SURGERY → open_surgery possible at L5-S1. Each row changes one thing.
"""

from __future__ import annotations

from typing import Any

import pytest
from builders import (
    MILD,
    MIS_DECOMPRESSION,
    MIS_TLIF,
    OPEN_SURGERY,
    SCIATICA,
    UNKNOWN,
    assess_doc,
    care,
    edit,
    finding,
    procedure,
    status,
    study,
)

# C candidate, P possible, N not_candidate, NI insufficient_information (not enough information)
C, P, N, NI = "candidate", "possible", "not_candidate", "insufficient_information"
Row = tuple[str, dict[str, Any], dict[str, Any], str]


def _table(rows: list[Row]) -> Any:
    return pytest.mark.parametrize(
        ("base", "changes", "expected"), [row[1:] for row in rows], ids=[row[0] for row in rows]
    )


def _mri(*findings: dict[str, Any]) -> dict[str, Any]:
    """Replace all imaging by one recent MRI with these findings."""
    return {"/imaging": [study("mri", *findings)]}


def _add(extra_finding: dict[str, Any]) -> dict[str, Any]:
    """Add one finding to the first study of the base."""
    return {"/imaging/0/findings/-": extra_finding}


def _prior(level: str, procedure_name: str) -> dict[str, Any]:
    return {"level": level, "procedure": procedure_name, "years_ago": 3}


def _slip(level: str, grade: int, slip_type: str | None = "degenerative") -> dict[str, Any]:
    return finding(level, "spondylolisthesis", grade=grade, **({"slip_type": slip_type} if slip_type else {}))


def _instability(level: str, mm: float = 5) -> dict[str, Any]:
    return finding(level, "dynamic_instability", translation_mm=mm)


def _stenosis(level: str, kind: str = "central_stenosis", severity: str = "moderate") -> dict[str, Any]:
    return finding(level, kind, severity=severity)


# --- mild -------------------------------------------------------------------------------------------
# "needs claudication, and at one level both a ligamentum_flavum_hypertrophy finding with ligamentum_flavum_mm
# > 2.5 and a central_stenosis finding whose severity is not "mild", on cross-sectional imaging. Its failed
# conservative care must include both exercise (physiotherapy or home_exercise) and analgesia (analgesics or
# nsaids), and no exercise or analgesia entry may have good_relief (MiDAS ENCORE)."
_LF = "/imaging/0/findings/0"
_CS = "/imaging/0/findings/1"
MILD_ROWS: list[tuple[str, dict[str, Any], str]] = [
    ("baseline-mild-is-candidate", {}, C),
    ("lf-2.5mm-is-not-enough", {f"{_LF}/ligamentum_flavum_mm": 2.5}, N),
    ("lf-2.6mm-is-enough", {f"{_LF}/ligamentum_flavum_mm": 2.6}, C),
    ("lf-unmeasured-is-insufficient", {f"{_LF}/ligamentum_flavum_mm": UNKNOWN}, NI),
    ("no-lf-hypertrophy-finding-is-not-candidate", {_LF: finding("L4-L5", "degenerative_disc")}, N),
    ("mild-central-stenosis-is-not-candidate", {f"{_CS}/severity": "mild"}, N),
    ("severe-central-stenosis-is-candidate", {f"{_CS}/severity": "severe"}, C),
    # Lead's reading: the decision needs the severity ("not mild"), so unknown → insufficient_information.
    ("central-stenosis-of-unknown-severity-is-insufficient", {f"{_CS}/severity": UNKNOWN}, NI),
    ("no-central-stenosis-is-not-candidate", {_CS: finding("L4-L5", "degenerative_disc")}, N),
    ("central-stenosis-at-another-level-is-not-candidate", {f"{_CS}/level": "L3-L4"}, N),
    ("no-cross-sectional-imaging-is-insufficient", {"/imaging": []}, NI),
    ("lf-on-an-old-mri-is-insufficient", {"/imaging/0/months_ago": 13}, NI),
    ("claudication-false-is-not-candidate", {"/symptoms/claudication": False}, N),
    # Lead's reading: claudication is what mild treats; unknown → insufficient_information.
    ("claudication-unknown-is-insufficient", {"/symptoms/claudication": UNKNOWN}, NI),
    # "an isthmic slip at the level → not_candidate"
    ("isthmic-grade-1-slip-at-the-level-is-not-candidate", _add(_slip("L4-L5", 1, "isthmic")), N),
    ("degenerative-grade-1-slip-at-the-level-is-candidate", _add(_slip("L4-L5", 1)), C),
    # SPEC-AMBIGUOUS: "unknown = degenerative", but an isthmic slip excludes mild and forgetting a fact must
    # not make a candidate: lead's reading, an unknown slip type caps at possible (a specialist confirms).
    ("grade-1-slip-of-unknown-type-is-at-best-possible", _add(_slip("L4-L5", 1, None)), P),
    ("isthmic-slip-at-another-level-is-candidate", _add(_slip("L5-S1", 1, "isthmic")), C),
    # "spondylolisthesis grade 2 at the level → at best possible"; "grade >= 3 at that level → not_candidate"
    ("grade-2-slip-makes-mild-possible", _add(_slip("L4-L5", 2)), P),
    ("grade-3-slip-is-not-candidate", _add(_slip("L4-L5", 3)), N),
    ("grade-4-slip-is-not-candidate", _add(_slip("L4-L5", 4)), N),
    # "not_candidate if any: prior surgery at the treated level; [...] dynamic_instability;
    # can_walk_10_feet_unaided false; bleeding_disorder; anticoagulants; weakness_grade <= 3."
    (
        "prior-decompression-at-the-level-is-not-candidate",
        {"/history/prior_lumbar_surgery": [_prior("L4-L5", "decompression")]},
        N,
    ),
    (
        "prior-mild-at-the-level-is-not-candidate",
        {"/history/prior_lumbar_surgery": [_prior("L4-L5", "mild")]},
        N,
    ),
    (
        "prior-surgery-at-another-level-is-candidate",
        {"/history/prior_lumbar_surgery": [_prior("L5-S1", "discectomy")]},
        C,
    ),
    ("instability-at-the-level-is-not-candidate", _add(_instability("L4-L5")), N),
    ("translation-3mm-is-no-instability", _add(_instability("L4-L5", 3)), C),
    ("instability-at-another-level-is-candidate", _add(_instability("L2-L3")), C),
    ("cannot-walk-10-feet-is-not-candidate", {"/symptoms/can_walk_10_feet_unaided": False}, N),
    # Lead's reading: the walking criterion (nct00995371) is needed for the decision → insufficient.
    ("walk-10-feet-unknown-is-insufficient", {"/symptoms/can_walk_10_feet_unaided": UNKNOWN}, NI),
    ("bleeding-disorder-is-not-candidate", {"/history/bleeding_disorder": True}, N),
    ("anticoagulants-are-not-candidate", {"/history/anticoagulants": True}, N),
    ("weakness-3-is-not-candidate", {"/symptoms/weakness_grade": 3}, N),
    ("weakness-4-is-candidate", {"/symptoms/weakness_grade": 4}, C),
    # Lead's reading: weakness_grade <= 3 excludes, so an unknown grade → insufficient.
    ("weakness-unknown-is-insufficient", {"/symptoms/weakness_grade": UNKNOWN}, NI),
    # "a disc_herniation or severe foraminal_stenosis at the same level → at best possible"
    (
        "herniation-at-the-level-makes-mild-possible",
        _add(finding("L4-L5", "disc_herniation", side="central")),
        P,
    ),
    (
        "herniation-at-another-level-is-candidate",
        _add(finding("L5-S1", "disc_herniation", side="central")),
        C,
    ),
    (
        "severe-foraminal-stenosis-at-the-level-makes-mild-possible",
        _add(_stenosis("L4-L5", "foraminal_stenosis", "severe")),
        P,
    ),
    (
        "moderate-foraminal-stenosis-at-the-level-is-candidate",
        _add(_stenosis("L4-L5", "foraminal_stenosis", "moderate")),
        C,
    ),
    # Lead's reading: a foraminal stenosis of unknown severity at the level may be severe → at best possible.
    (
        "foraminal-stenosis-of-unknown-severity-is-at-best-possible",
        _add(finding("L4-L5", "foraminal_stenosis")),
        P,
    ),
    # "candidate if failed conservative care for 12 weeks; otherwise not_candidate ("at least 3 months
    # first")"
    (
        "no-analgesia-is-not-candidate",
        {"/conservative_care": [care("physiotherapy", 12), care("home_exercise", 26)]},
        N,
    ),
    (
        "no-exercise-is-not-candidate",
        {
            "/conservative_care": [
                care("analgesics", 26, "no_relief"),
                care("epidural_injection", 14, "no_relief"),
            ]
        },
        N,
    ),
    ("nsaids-count-as-analgesia", {"/conservative_care": [care("home_exercise", 26), care("nsaids", 26)]}, C),
    (
        "home-exercise-counts-as-exercise",
        {"/conservative_care": [care("home_exercise", 14), care("analgesics", 14)]},
        C,
    ),
    (
        "exercise-with-good-relief-is-not-candidate",
        {
            "/conservative_care": [
                care("physiotherapy", 12, "good_relief"),
                care("home_exercise", 26),
                care("analgesics", 26, "no_relief"),
            ]
        },
        N,
    ),
    (
        "analgesia-with-good-relief-is-not-candidate",
        {
            "/conservative_care": [
                care("physiotherapy", 12),
                care("nsaids", 8, "good_relief"),
                care("analgesics", 26, "no_relief"),
            ]
        },
        N,
    ),
    (
        "good-relief-from-manual-therapy-does-not-exclude",
        {
            "/conservative_care": [
                care("physiotherapy", 12),
                care("analgesics", 26),
                care("manual_therapy", 6, "good_relief"),
            ]
        },
        C,
    ),
    (
        "11.9-weeks-of-care-is-not-enough",
        {
            "/symptoms/duration_weeks": 11.9,
            "/conservative_care": [care("physiotherapy", 11.9), care("analgesics", 11.9)],
        },
        N,
    ),
    (
        "12-weeks-of-pain-with-shorter-entries-is-enough",
        {
            "/symptoms/duration_weeks": 12,
            "/conservative_care": [care("physiotherapy", 4), care("analgesics", 4)],
        },
        C,
    ),
    (
        "one-12-week-entry-is-enough",
        {
            "/symptoms/duration_weeks": 11,
            "/conservative_care": [care("physiotherapy", 12), care("analgesics", 4)],
        },
        C,
    ),
    (
        "two-8-week-entries-are-not-added",
        {
            "/symptoms/duration_weeks": 11,
            "/conservative_care": [care("physiotherapy", 8), care("analgesics", 8)],
        },
        N,
    ),
    ("empty-care-list-is-not-candidate", {"/conservative_care": []}, N),
    ("unknown-care-list-is-insufficient", {"/conservative_care": UNKNOWN}, NI),
]


@pytest.mark.parametrize(("changes", "expected"), [row[1:] for row in MILD_ROWS], ids=[row[0] for row in MILD_ROWS])
def test_mild(changes: dict[str, Any], expected: str) -> None:
    assert status(assess_doc(edit(MILD, changes)), "mild") == expected


def test_after_a_known_exclusion_only_the_exclusions_are_shown_in_table_order() -> None:
    """§2: the reasons shown are what settles the status. Once a known fact excludes mild, the later exclusions
    are added in the order of the rule table; a later caution (ASA 3) or note (Medicare) is not."""
    doc = edit(MILD, {"/symptoms/claudication": False, "/symptoms/can_walk_10_feet_unaided": False,
                      "/conservative_care": [], "/history/asa_class": 3})
    entry = procedure(assess_doc(doc), "mild")
    assert entry["status"] == N
    assert [r["rule"] for r in entry["reasons"]] == [
        "mild.no_claudication", "mild.cannot_walk_10_feet", "mild.conservative_care", "mild.indication"]


def test_mild_reasons_note_medicare_coverage() -> None:
    """§3.4 mild: "Reasons note that US Medicare covers mild only for patients meeting the MiDAS ENCORE
    criteria (age 65+)" — a reason exists, with a source."""
    entry = procedure(assess_doc(MILD), "mild")
    assert entry["levels"] == ["L4-L5"]
    assert len(entry["reasons"]) >= 2
    assert all(r["source"] for r in entry["reasons"])


# --- microdiscectomy and endoscopic discectomy --------------------------------------------------------
# microdiscectomy "needs a concordant disc_herniation on cross-sectional imaging and a radicular picture [...]
# candidate if failed conservative care for 6 weeks, or motor deficit [...] otherwise not_candidate [...]
# prior discectomy at the same level → at best possible". endoscopic_discectomy "same as microdiscectomy, but
# herniation_type sequestration → at best possible".
DISCECTOMY_ROWS: list[tuple[str, dict[str, Any], str, str]] = [
    ("baseline-sciatica-is-candidate-for-both", {}, C, C),
    ("no-cross-sectional-imaging-is-insufficient", {"/imaging": []}, NI, NI),
    ("imaging-without-herniation-is-not-candidate", _mri(finding("L5-S1", "degenerative_disc")), N, N),
    (
        "sequestration-makes-endoscopic-only-possible",
        {"/imaging/0/findings/0/herniation_type": "sequestration"},
        C,
        P,
    ),
    (
        "protrusion-moderate-is-candidate-for-both",
        {"/imaging/0/findings/0/herniation_type": "protrusion", "/imaging/0/findings/0/severity": "moderate"},
        C,
        C,
    ),
    (
        "prior-discectomy-at-the-level-is-at-best-possible",
        {"/history/prior_lumbar_surgery": [_prior("L5-S1", "discectomy")]},
        P,
        P,
    ),
    (
        "prior-discectomy-at-another-level-is-candidate",
        {"/history/prior_lumbar_surgery": [_prior("L4-L5", "discectomy")]},
        C,
        C,
    ),
    (
        "prior-decompression-at-the-level-is-no-prior-discectomy",
        {"/history/prior_lumbar_surgery": [_prior("L5-S1", "decompression")]},
        C,
        C,
    ),
    (
        "care-not-yet-failed-is-not-candidate",
        {"/symptoms/duration_weeks": 4, "/conservative_care": [care("physiotherapy", 3, "no_relief")]},
        N,
        N,
    ),
    (
        "motor-deficit-without-any-care-is-candidate",
        {"/symptoms/weakness_grade": 3, "/conservative_care": []},
        C,
        C,
    ),
    (
        "progressing-weakness-without-any-care-is-candidate",
        {"/symptoms/weakness_progressing": True, "/conservative_care": []},
        C,
        C,
    ),
    (
        "weakness-4-without-any-care-is-not-candidate",
        {"/symptoms/weakness_grade": 4, "/conservative_care": []},
        N,
        N,
    ),
    ("herniation-on-the-other-side-is-not-candidate", {"/imaging/0/findings/0/side": "right"}, N, N),
    ("l4-l5-herniation-is-candidate-for-both", {"/imaging/0/findings/0/level": "L4-L5"}, C, C),
]


@pytest.mark.parametrize(
    ("changes", "micro", "endo"),
    [row[1:] for row in DISCECTOMY_ROWS],
    ids=[row[0] for row in DISCECTOMY_ROWS],
)
def test_discectomy(changes: dict[str, Any], micro: str, endo: str) -> None:
    result = assess_doc(edit(SCIATICA, changes))
    assert (status(result, "microdiscectomy"), status(result, "endoscopic_discectomy")) == (micro, endo)


def test_endoscopic_reasons_mention_recurrence() -> None:
    """§3.4: "Reasons mention the higher recurrence rate." (text is illustrative: one more reason than
    microdiscectomy, with a source)."""
    result = assess_doc(SCIATICA)
    micro = procedure(result, "microdiscectomy")["reasons"]
    endo = procedure(result, "endoscopic_discectomy")["reasons"]
    assert len(endo) > len(micro)
    assert "recurren" in " ".join(r["text"] for r in endo).lower()


# --- mis_decompression ------------------------------------------------------------------------------
# "needs a stenosis finding on cross-sectional imaging and (claudication or a radicular picture). [...]
# dynamic_instability, spondylolisthesis grade >= 2, or an isthmic slip at the level → not_candidate [...]
# degenerative spondylolisthesis grade 1 → still candidate [...] candidate if failed conservative care for 12
# weeks, or motor deficit; otherwise not_candidate."
DECOMPRESSION_ROWS: list[Row] = [
    ("baseline-decompression-is-candidate", MIS_DECOMPRESSION, {}, C),
    ("no-cross-sectional-imaging-is-insufficient", MIS_DECOMPRESSION, {"/imaging": []}, NI),
    (
        "no-stenosis-finding-is-not-candidate",
        MIS_DECOMPRESSION,
        _mri(finding("L4-L5", "degenerative_disc")),
        N,
    ),
    ("central-stenosis-counts", MIS_DECOMPRESSION, _mri(_stenosis("L4-L5")), C),
    ("foraminal-stenosis-counts", MIS_DECOMPRESSION, _mri(_stenosis("L4-L5", "foraminal_stenosis")), C),
    (
        "lf-hypertrophy-counts",
        MIS_DECOMPRESSION,
        _mri(finding("L4-L5", "ligamentum_flavum_hypertrophy", ligamentum_flavum_mm=4)),
        C,
    ),
    ("synovial-cyst-counts", MIS_DECOMPRESSION, _mri(finding("L4-L5", "synovial_cyst", side="right")), C),
    (
        "radicular-picture-without-claudication-is-candidate",
        MIS_DECOMPRESSION,
        {"/symptoms/claudication": False},
        C,
    ),
    (
        "claudication-without-radicular-picture-is-candidate",
        MIS_DECOMPRESSION,
        {"/symptoms/leg_pain_below_knee": False},
        C,
    ),
    (
        "neither-claudication-nor-radicular-picture-is-not-candidate",
        MIS_DECOMPRESSION,
        {"/symptoms/claudication": False, "/symptoms/leg_pain_below_knee": False},
        N,
    ),
    ("degenerative-grade-1-slip-is-still-candidate", MIS_DECOMPRESSION, _add(_slip("L4-L5", 1)), C),
    # SPEC-AMBIGUOUS: "unknown = degenerative", but an isthmic slip excludes decompression alone; lead's
    # reading: an unknown slip type caps at possible (a specialist confirms the slip type).
    ("grade-1-slip-of-unknown-type-is-at-best-possible", MIS_DECOMPRESSION, _add(_slip("L4-L5", 1, None)), P),
    ("degenerative-grade-2-slip-is-not-candidate", MIS_DECOMPRESSION, _add(_slip("L4-L5", 2)), N),
    ("isthmic-grade-1-slip-is-not-candidate", MIS_DECOMPRESSION, _add(_slip("L4-L5", 1, "isthmic")), N),
    ("grade-3-slip-is-not-candidate", MIS_DECOMPRESSION, _add(_slip("L4-L5", 3)), N),
    ("instability-at-the-level-is-not-candidate", MIS_DECOMPRESSION, _add(_instability("L4-L5")), N),
    ("grade-2-slip-at-another-level-is-candidate", MIS_DECOMPRESSION, _add(_slip("L3-L4", 2)), C),
    (
        "11.9-weeks-is-not-candidate",
        MIS_DECOMPRESSION,
        {"/symptoms/duration_weeks": 11.9, "/conservative_care": [care("physiotherapy", 11.9)]},
        N,
    ),
    (
        "12-weeks-is-candidate",
        MIS_DECOMPRESSION,
        {"/symptoms/duration_weeks": 12, "/conservative_care": [care("physiotherapy", 4)]},
        C,
    ),
    (
        "any-kind-of-care-counts",
        MIS_DECOMPRESSION,
        {"/conservative_care": [care("epidural_injection", 14, "no_relief")]},
        C,
    ),
    ("empty-care-list-is-not-candidate", MIS_DECOMPRESSION, {"/conservative_care": []}, N),
    ("unknown-care-list-is-insufficient", MIS_DECOMPRESSION, {"/conservative_care": UNKNOWN}, NI),
    (
        "motor-deficit-without-care-is-candidate",
        MIS_DECOMPRESSION,
        {"/symptoms/weakness_grade": 3, "/conservative_care": []},
        C,
    ),
    (
        "progressing-weakness-without-care-is-candidate",
        MIS_DECOMPRESSION,
        {"/symptoms/weakness_progressing": True, "/conservative_care": []},
        C,
    ),
    ("mild-base-decompression-is-candidate", MILD, {}, C),
]


@_table(DECOMPRESSION_ROWS)
def test_mis_decompression(base: dict[str, Any], changes: dict[str, Any], expected: str) -> None:
    assert status(assess_doc(edit(base, changes)), "mis_decompression") == expected


# --- mis_tlif ---------------------------------------------------------------------------------------
# "needs, at one level: spondylolisthesis grade 1-2 with dynamic_instability; or spondylolisthesis grade 2; or
# an isthmic slip of grade 1-2; or dynamic_instability with a stenosis finding; or a herniation at a level
# already operated twice (second recurrence); plus claudication or a radicular picture. A stenosis finding at
# a level next to a prior fusion (adjacent segment disease) is itself an indication, at best possible, and
# caps any other indication at that level at possible. [...] spondylolisthesis grade >= 3 at the level, or
# scoliosis with cobb_degrees > 20 → not_candidate [...] candidate if failed conservative care for 12 weeks."
_FUSED_L4_L5 = {"/history/prior_lumbar_surgery": [_prior("L4-L5", "fusion")]}
_LEFT_L5_S1_HERNIATION = finding(
    "L5-S1", "disc_herniation", side="left", severity="severe", herniation_type="extrusion"
)
TLIF_ROWS: list[Row] = [
    ("grade-1-slip-with-instability-is-candidate", MIS_TLIF, {}, C),
    (
        "grade-2-slip-with-instability-is-candidate",
        MIS_TLIF,
        {"/imaging/0/findings/0/grade": 2, "/imaging/1/findings/0/grade": 2},
        C,
    ),
    ("grade-2-slip-alone-is-candidate", MIS_TLIF, _mri(_slip("L4-L5", 2)), C),
    ("isthmic-grade-1-slip-is-candidate", MIS_TLIF, _mri(_slip("L4-L5", 1, "isthmic")), C),
    ("isthmic-grade-2-slip-is-candidate", MIS_TLIF, _mri(_slip("L4-L5", 2, "isthmic")), C),
    ("degenerative-grade-1-slip-alone-is-not-candidate", MIS_TLIF, _mri(_slip("L4-L5", 1)), N),
    # "unknown = degenerative": a grade 1 slip of unknown type is no indication on its own (not a candidate).
    ("grade-1-slip-of-unknown-type-alone-is-not-candidate", MIS_TLIF, _mri(_slip("L4-L5", 1, None)), N),
    (
        "instability-with-stenosis-is-candidate",
        MIS_TLIF,
        _mri(_instability("L4-L5"), _stenosis("L4-L5", "lateral_recess_stenosis")),
        C,
    ),
    ("instability-alone-is-not-candidate", MIS_TLIF, _mri(_instability("L4-L5")), N),
    ("stenosis-alone-is-not-candidate", MIS_TLIF, _mri(_stenosis("L4-L5")), N),
    (
        "herniation-after-two-discectomies-is-candidate",
        MIS_TLIF,
        {
            **_mri(_LEFT_L5_S1_HERNIATION),
            "/history/prior_lumbar_surgery": [_prior("L5-S1", "discectomy"), _prior("L5-S1", "discectomy")],
        },
        C,
    ),
    (
        "herniation-after-one-discectomy-is-not-candidate",
        MIS_TLIF,
        {**_mri(_LEFT_L5_S1_HERNIATION), "/history/prior_lumbar_surgery": [_prior("L5-S1", "discectomy")]},
        N,
    ),
    (
        "herniation-after-discectomies-at-another-level-is-not-candidate",
        MIS_TLIF,
        {
            **_mri(_LEFT_L5_S1_HERNIATION),
            "/history/prior_lumbar_surgery": [_prior("L4-L5", "discectomy"), _prior("L4-L5", "discectomy")],
        },
        N,
    ),
    ("stenosis-above-a-fusion-is-possible", MIS_TLIF, {**_FUSED_L4_L5, **_mri(_stenosis("L3-L4"))}, P),
    ("stenosis-below-a-fusion-is-possible", MIS_TLIF, {**_FUSED_L4_L5, **_mri(_stenosis("L5-S1"))}, P),
    (
        "stenosis-two-levels-from-a-fusion-is-not-candidate",
        MIS_TLIF,
        {**_FUSED_L4_L5, **_mri(_stenosis("L2-L3"))},
        N,
    ),
    (
        "adjacent-segment-caps-a-grade-2-slip-at-that-level",
        MIS_TLIF,
        {**_FUSED_L4_L5, **_mri(_slip("L3-L4", 2), _stenosis("L3-L4"))},
        P,
    ),
    ("grade-3-slip-is-not-candidate", MIS_TLIF, _mri(_slip("L4-L5", 3)), N),
    ("grade-4-slip-is-not-candidate", MIS_TLIF, _mri(_slip("L4-L5", 4)), N),
    ("scoliosis-cobb-20-is-candidate", MIS_TLIF, _add(finding("L4-L5", "scoliosis", cobb_degrees=20)), C),
    ("scoliosis-cobb-21-is-not-candidate", MIS_TLIF, _add(finding("L4-L5", "scoliosis", cobb_degrees=21)), N),
    (
        "no-claudication-nor-radicular-picture-is-not-candidate",
        MIS_TLIF,
        {"/symptoms/numbness": False, "/symptoms/leg_pain_below_knee": False},
        N,
    ),
    (
        "claudication-without-radicular-picture-is-candidate",
        MIS_TLIF,
        {
            "/symptoms/numbness": False,
            "/symptoms/leg_pain_below_knee": False,
            "/symptoms/claudication": True,
            "/symptoms/walking_tolerance_minutes": 10,
        },
        C,
    ),
    (
        "11.9-weeks-is-not-candidate",
        MIS_TLIF,
        {"/symptoms/duration_weeks": 11.9, "/conservative_care": [care("physiotherapy", 11.9, "no_relief")]},
        N,
    ),
    (
        "12-weeks-is-candidate",
        MIS_TLIF,
        {"/symptoms/duration_weeks": 12, "/conservative_care": [care("physiotherapy", 5, "no_relief")]},
        C,
    ),
    ("no-cross-sectional-imaging-is-insufficient", MIS_TLIF, {"/imaging": []}, NI),
    ("smoker-is-at-best-possible", MIS_TLIF, {"/history/smoker": True}, P),
]


@_table(TLIF_ROWS)
def test_mis_tlif(base: dict[str, Any], changes: dict[str, Any], expected: str) -> None:
    assert status(assess_doc(edit(base, changes)), "mis_tlif") == expected


# --- open_surgery -----------------------------------------------------------------------------------
# "possible if any: spondylolisthesis grade >= 3; scoliosis cobb_degrees > 20 with a stenosis finding;
# stenosis findings at 3 or more levels with claudication or a radicular picture; imaging finding tumour,
# infection or fracture. Otherwise not_candidate; no cross-sectional imaging → insufficient_information."
_NOT_RADICULAR = {"/symptoms/numbness": False, "/symptoms/leg_pain_below_knee": False}
OPEN_ROWS: list[Row] = [
    ("grade-3-slip-is-possible", OPEN_SURGERY, {}, P),
    ("grade-4-slip-is-possible", OPEN_SURGERY, {"/imaging/0/findings/0/grade": 4}, P),
    ("grade-2-slip-is-not-open-surgery", OPEN_SURGERY, {"/imaging/0/findings/0/grade": 2}, N),
    (
        "cobb-21-with-stenosis-is-possible",
        OPEN_SURGERY,
        _mri(finding("L3-L4", "scoliosis", cobb_degrees=21), _stenosis("L3-L4")),
        P,
    ),
    (
        "cobb-20-with-stenosis-is-not-candidate",
        OPEN_SURGERY,
        _mri(finding("L3-L4", "scoliosis", cobb_degrees=20), _stenosis("L3-L4")),
        N,
    ),
    (
        "cobb-25-without-stenosis-is-not-candidate",
        OPEN_SURGERY,
        _mri(finding("L3-L4", "scoliosis", cobb_degrees=25)),
        N,
    ),
    (
        "stenosis-at-3-levels-with-radicular-picture-is-possible",
        OPEN_SURGERY,
        _mri(_stenosis("L2-L3"), _stenosis("L3-L4"), _stenosis("L4-L5", "foraminal_stenosis")),
        P,
    ),
    (
        "stenosis-at-3-levels-with-claudication-is-possible",
        OPEN_SURGERY,
        {
            **_NOT_RADICULAR,
            "/symptoms/claudication": True,
            "/symptoms/walking_tolerance_minutes": 10,
            **_mri(_stenosis("L2-L3"), _stenosis("L3-L4"), _stenosis("L4-L5")),
        },
        P,
    ),
    (
        "stenosis-at-3-levels-without-symptoms-is-not-candidate",
        OPEN_SURGERY,
        {**_NOT_RADICULAR, **_mri(_stenosis("L2-L3"), _stenosis("L3-L4"), _stenosis("L4-L5"))},
        N,
    ),
    ("stenosis-at-2-levels-is-not-candidate", OPEN_SURGERY, _mri(_stenosis("L3-L4"), _stenosis("L4-L5")), N),
    (
        "two-findings-at-one-level-are-one-level",
        OPEN_SURGERY,
        _mri(_stenosis("L3-L4"), _stenosis("L3-L4", "foraminal_stenosis"), _stenosis("L4-L5")),
        N,
    ),
    (
        "tumour-finding-is-possible",
        OPEN_SURGERY,
        {"/imaging": [study("mri", finding("L1-L2", "tumour"), months_ago=6)]},
        P,
    ),
    (
        "infection-finding-is-possible",
        OPEN_SURGERY,
        {"/imaging": [study("mri", finding("L1-L2", "infection"), months_ago=6)]},
        P,
    ),
    (
        "fracture-finding-is-possible",
        OPEN_SURGERY,
        {"/imaging": [study("mri", finding("L1-L2", "fracture"), months_ago=6)]},
        P,
    ),
    (
        "none-of-the-indications-is-not-candidate",
        OPEN_SURGERY,
        _mri(finding("L5-S1", "degenerative_disc")),
        N,
    ),
    ("no-cross-sectional-imaging-is-insufficient", OPEN_SURGERY, {"/imaging": []}, NI),
    ("sciatica-needs-no-open-surgery", SCIATICA, {}, N),
]


@_table(OPEN_ROWS)
def test_open_surgery(base: dict[str, Any], changes: dict[str, Any], expected: str) -> None:
    assert status(assess_doc(edit(base, changes)), "open_surgery") == expected


def test_open_surgery_with_grade_3_slip_excludes_mis_tlif() -> None:
    """§3.4 mis_tlif: "spondylolisthesis grade >= 3 at the level [...] → not_candidate (see open_surgery)"."""
    result = assess_doc(OPEN_SURGERY)
    assert (status(result, "open_surgery"), status(result, "mis_tlif")) == (P, N)


@pytest.mark.parametrize(
    ("changes", "urgency", "expected"),
    [
        ({}, "routine", "candidate"),
        ({"/red_flags/unexplained_weight_loss": True}, "urgent", "possible"),
        ({"/red_flags/bowel_dysfunction": True}, "emergency", "not_candidate"),
    ],
    ids=["routine-candidate", "urgent-possible", "emergency-not-candidate"],
)
def test_conservative_care(changes: dict[str, Any], urgency: str, expected: str) -> None:
    """§3.4 conservative_care: "always candidate when routine [...] When urgent: possible; when emergency:
    not_candidate"."""
    for base in (SCIATICA, MILD, OPEN_SURGERY, {"schema": "spinepath.intake/1"}):
        result = assess_doc(edit(base, changes))
        assert result["urgency"] == urgency
        assert status(result, "conservative_care") == expected


# --- levels -----------------------------------------------------------------------------------------
# §3.3 Levels: "a procedure's levels are the levels of the findings its indication rests on that reach the
# procedure's final status [...] With findings at several levels, each level is judged on its own and the
# procedure takes the best status; level-specific exclusions (prior surgery, slip grade, instability, disc
# herniation at the level) apply to that level only."
def _lf(level: str, mm: float | None) -> dict[str, Any]:
    extra = {"ligamentum_flavum_mm": mm} if mm is not None else {}
    return finding(level, "ligamentum_flavum_hypertrophy", side="bilateral", **extra)


def _left_herniation(level: str) -> dict[str, Any]:
    return finding(level, "disc_herniation", side="left", severity="severe", herniation_type="extrusion")


LEVEL_ROWS: list[tuple[str, dict[str, Any], dict[str, Any], str, str, list[str]]] = [
    (
        "mild-thin-lf-at-l3-l4-good-at-l4-l5",
        MILD,
        _mri(_lf("L3-L4", 2.0), _stenosis("L3-L4"), _lf("L4-L5", 4.1), _stenosis("L4-L5")),
        "mild",
        C,
        ["L4-L5"],
    ),
    (
        "mild-candidate-at-two-levels",
        MILD,
        _mri(_lf("L3-L4", 4.0), _stenosis("L3-L4"), _lf("L4-L5", 4.1), _stenosis("L4-L5")),
        "mild",
        C,
        ["L3-L4", "L4-L5"],
    ),
    (
        "mild-unmeasured-at-l3-l4-candidate-at-l4-l5",
        MILD,
        _mri(_lf("L3-L4", None), _stenosis("L3-L4"), _lf("L4-L5", 4.1), _stenosis("L4-L5")),
        "mild",
        C,
        ["L4-L5"],
    ),
    (
        "mild-unmeasured-at-l3-l4-thin-at-l4-l5-is-insufficient-at-l3-l4",
        MILD,
        _mri(_lf("L3-L4", None), _stenosis("L3-L4"), _lf("L4-L5", 2.0), _stenosis("L4-L5")),
        "mild",
        NI,
        ["L3-L4"],
    ),
    (
        "mild-grade-2-slip-at-l3-l4-only-limits-that-level",
        MILD,
        _mri(_lf("L3-L4", 4.0), _stenosis("L3-L4"), _slip("L3-L4", 2), _lf("L4-L5", 4.1), _stenosis("L4-L5")),
        "mild",
        C,
        ["L4-L5"],
    ),
    (
        "mild-grade-2-slip-at-the-only-level-is-possible-there",
        MILD,
        _add(_slip("L4-L5", 2)),
        "mild",
        P,
        ["L4-L5"],
    ),
    (
        "mild-prior-surgery-at-l4-l5-leaves-l3-l4",
        MILD,
        {
            **_mri(_lf("L3-L4", 4.0), _stenosis("L3-L4"), _lf("L4-L5", 4.1), _stenosis("L4-L5")),
            "/history/prior_lumbar_surgery": [_prior("L4-L5", "decompression")],
        },
        "mild",
        C,
        ["L3-L4"],
    ),
    (
        "discectomy-two-concordant-herniations",
        SCIATICA,
        _mri(_left_herniation("L4-L5"), _left_herniation("L5-S1")),
        "microdiscectomy",
        C,
        ["L4-L5", "L5-S1"],
    ),
    (
        "discectomy-only-the-concordant-level",
        SCIATICA,
        _mri(finding("L4-L5", "disc_herniation", side="right", severity="severe"), _left_herniation("L5-S1")),
        "microdiscectomy",
        C,
        ["L5-S1"],
    ),
    (
        "discectomy-prior-surgery-at-l5-s1-leaves-l4-l5-candidate",
        SCIATICA,
        {
            **_mri(_left_herniation("L4-L5"), _left_herniation("L5-S1")),
            "/history/prior_lumbar_surgery": [_prior("L5-S1", "discectomy")],
        },
        "microdiscectomy",
        C,
        ["L4-L5"],
    ),
    (
        "discectomy-recurrent-herniation-is-possible-at-its-level",
        SCIATICA,
        {"/history/prior_lumbar_surgery": [_prior("L5-S1", "discectomy")]},
        "microdiscectomy",
        P,
        ["L5-S1"],
    ),
    (
        "endoscopic-sequestration-at-l5-s1-extrusion-at-l4-l5",
        SCIATICA,
        _mri(_left_herniation("L4-L5"), {**_left_herniation("L5-S1"), "herniation_type": "sequestration"}),
        "endoscopic_discectomy",
        C,
        ["L4-L5"],
    ),
    (
        "decompression-slip-at-l4-l5-leaves-l3-l4",
        MIS_DECOMPRESSION,
        _mri(_stenosis("L3-L4"), _stenosis("L4-L5"), _slip("L4-L5", 2)),
        "mis_decompression",
        C,
        ["L3-L4"],
    ),
    (
        "decompression-two-levels",
        MIS_DECOMPRESSION,
        _mri(_stenosis("L3-L4"), _stenosis("L4-L5")),
        "mis_decompression",
        C,
        ["L3-L4", "L4-L5"],
    ),
    (
        "tlif-candidate-level-beats-adjacent-segment",
        MIS_TLIF,
        {
            **_mri(_stenosis("L2-L3"), _slip("L4-L5", 2)),
            "/history/prior_lumbar_surgery": [_prior("L1-L2", "fusion")],
        },
        "mis_tlif",
        C,
        ["L4-L5"],
    ),
    (
        "tlif-adjacent-segment-level",
        MIS_TLIF,
        {**_FUSED_L4_L5, **_mri(_stenosis("L3-L4"))},
        "mis_tlif",
        P,
        ["L3-L4"],
    ),
    (
        "open-three-stenotic-levels",
        OPEN_SURGERY,
        _mri(_stenosis("L2-L3"), _stenosis("L3-L4"), _stenosis("L4-L5")),
        "open_surgery",
        P,
        ["L2-L3", "L3-L4", "L4-L5"],
    ),
    ("no-imaging-no-levels", SCIATICA, {"/imaging": []}, "microdiscectomy", NI, []),
]


@pytest.mark.parametrize(
    ("base", "changes", "proc", "expected", "levels"),
    [row[1:] for row in LEVEL_ROWS],
    ids=[row[0] for row in LEVEL_ROWS],
)
def test_levels(base: dict[str, Any], changes: dict[str, Any], proc: str, expected: str, levels: list[str]) -> None:
    entry = procedure(assess_doc(edit(base, changes)), proc)
    assert (entry["status"], entry["levels"]) == (expected, levels)


@pytest.mark.parametrize(
    ("base", "proc", "levels"),
    [
        (MILD, "mild", ["L4-L5"]),
        (MILD, "mis_decompression", ["L4-L5"]),
        (SCIATICA, "microdiscectomy", ["L5-S1"]),
        (SCIATICA, "endoscopic_discectomy", ["L5-S1"]),
        (MIS_DECOMPRESSION, "mis_decompression", ["L4-L5"]),
        (MIS_TLIF, "mis_tlif", ["L4-L5"]),
        (OPEN_SURGERY, "open_surgery", ["L5-S1"]),
    ],
    ids=["mild", "mild-base-decompression", "microdiscectomy", "endoscopic", "decompression", "tlif", "open"],
)
def test_each_base_acts_at_its_level(base: dict[str, Any], proc: str, levels: list[str]) -> None:
    assert procedure(assess_doc(base), proc)["levels"] == levels


@pytest.mark.parametrize(
    "base",
    [MILD, SCIATICA, MIS_DECOMPRESSION, MIS_TLIF, OPEN_SURGERY],
    ids=["mild", "sciatica", "decompression", "tlif", "open"],
)
def test_every_status_has_a_reason_with_a_source(base: dict[str, Any]) -> None:
    """§2: "every status has at least one reason"; reasons carry a source."""
    for entry in assess_doc(base)["procedures"]:
        assert entry["reasons"], entry["procedure"]
        assert all(r["source"] and r["text"] and r["rule"] for r in entry["reasons"])
