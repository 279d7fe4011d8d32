"""Small builders for ``spinepath.intake/1`` documents, written from spec/assessment.md (version 1.2).

Every base here is a plain dict that ``parse_intake`` accepts. Tests change it by JSON pointer:

    with_(BASELINE, "/symptoms/leg_pain", 7)           # set (creates dicts/lists on the way)
    without(BASELINE, "/red_flags/night_pain")         # remove = unknown
    edit(SCIATICA, {"/symptoms/weakness_grade": 3, "/history/asa_class": UNKNOWN})

The bases never change: every helper returns a deep copy.
"""

from __future__ import annotations

import copy
from typing import Any

from spinepath.core.intake import parse_intake

__all__ = [
    "BASELINE",
    "MILD",
    "MIS_DECOMPRESSION",
    "MIS_TLIF",
    "OPEN_SURGERY",
    "SCIATICA",
    "UNKNOWN",
    "assess_doc",
    "care",
    "edit",
    "finding",
    "procedure",
    "reasons_text",
    "status",
    "study",
    "with_",
    "without",
]


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()
"""In an ``edit`` table: remove the field (the fact becomes unknown)."""


# --- pointer editing ---------------------------------------------------------------------------------


def _tokens(pointer: str) -> list[str]:
    if not pointer.startswith("/"):
        raise ValueError(f"not a JSON pointer: {pointer!r}")
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]


def _child(container: Any, token: str, next_token: str | None) -> Any:
    """The child at ``token``, created (as a dict or list, by the next token) when absent."""
    empty: Any = [] if next_token is not None and (next_token.isdigit() or next_token == "-") else {}
    if isinstance(container, list):
        index = len(container) if token == "-" else int(token)
        if index == len(container):
            container.append(empty)
        return container[index]
    if container.get(token) is None:
        container[token] = empty
    return container[token]


def with_(base: dict[str, Any], pointer: str, value: Any) -> dict[str, Any]:
    """A copy of ``base`` with ``value`` at ``pointer``; ``-`` or the list length appends to a list."""
    doc = copy.deepcopy(base)
    tokens = _tokens(pointer)
    parent: Any = doc
    for i, token in enumerate(tokens[:-1]):
        parent = _child(parent, token, tokens[i + 1])
    last = tokens[-1]
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if index == len(parent):
            parent.append(copy.deepcopy(value))
        else:
            parent[index] = copy.deepcopy(value)
    else:
        parent[last] = copy.deepcopy(value)
    return doc


def without(base: dict[str, Any], pointer: str) -> dict[str, Any]:
    """A copy of ``base`` with the field at ``pointer`` removed (unknown), or the list item deleted."""
    doc = copy.deepcopy(base)
    tokens = _tokens(pointer)
    parent: Any = doc
    for token in tokens[:-1]:
        parent = parent[int(token)] if isinstance(parent, list) else parent[token]
    if isinstance(parent, list):
        del parent[int(tokens[-1])]
    else:
        parent.pop(tokens[-1], None)
    return doc


def edit(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """Apply ``{pointer: value}`` in order; the value ``UNKNOWN`` removes the field."""
    doc = base
    for pointer, value in changes.items():
        doc = without(doc, pointer) if value is UNKNOWN else with_(doc, pointer, value)
    return copy.deepcopy(doc)


# --- pieces of an intake -----------------------------------------------------------------------------


def finding(level: str | None, kind: str, **details: Any) -> dict[str, Any]:
    """One imaging finding; ``level=None`` leaves the level unknown."""
    out: dict[str, Any] = {"kind": kind, **details}
    if level is not None:
        out["level"] = level
    return out


def study(modality: str, *findings: dict[str, Any], months_ago: float | None = 1) -> dict[str, Any]:
    """One imaging study; ``months_ago=None`` leaves its age unknown."""
    out: dict[str, Any] = {"modality": modality, "findings": list(findings)}
    if months_ago is not None:
        out["months_ago"] = months_ago
    return out


def care(kind: str, weeks: float, outcome: str = "partial_relief") -> dict[str, Any]:
    return {"kind": kind, "weeks": weeks, "outcome": outcome}


# --- running the engine and reading its output ------------------------------------------------------


def assess_doc(doc: dict[str, Any]) -> dict[str, Any]:
    """The ``spinepath.assessment/1`` dict for an intake dict."""
    from spinepath.core.engine import assess  # imported late: the validation tests need no engine

    return assess(parse_intake(doc)).to_dict()


def procedure(result: dict[str, Any], procedure_id: str) -> dict[str, Any]:
    [entry] = [p for p in result["procedures"] if p["procedure"] == procedure_id]
    return entry


def status(result: dict[str, Any], procedure_id: str) -> str:
    return str(procedure(result, procedure_id)["status"])


def reasons_text(result: dict[str, Any], procedure_id: str) -> str:
    return " ".join(r["text"] for r in procedure(result, procedure_id)["reasons"]).lower()


# --- bases -------------------------------------------------------------------------------------------

_NO_RED_FLAGS: dict[str, bool] = {
    "saddle_anaesthesia": False,
    "bladder_dysfunction": False,
    "bowel_dysfunction": False,
    "sexual_dysfunction": False,
    "fever": False,
    "iv_drug_use": False,
    "immunosuppression": False,
    "recent_infection": False,
    "cancer_history": False,
    "unexplained_weight_loss": False,
    "night_pain": False,
    "significant_trauma": False,
    "osteoporosis": False,
    "long_term_steroids": False,
}

_FIT_HISTORY: dict[str, Any] = {
    "prior_lumbar_surgery": [],
    "asa_class": 1,
    "diabetes": False,
    "hba1c_percent": 5.5,
    "smoker": False,
    "anticoagulants": False,
    "bleeding_disorder": False,
    "pregnant": False,
    "bone_density_t_score": -0.5,
}

BASELINE: dict[str, Any] = {
    # A 50-year-old with 10 weeks of back pain only, everything known and benign, a recent MRI with one mild
    # degenerative disc: routine; no procedure but conservative care fits; next step conservative care.
    "schema": "spinepath.intake/1",
    "patient": {"age": 50, "sex": "female", "height_cm": 170, "weight_kg": 70},
    "symptoms": {
        "back_pain": 5,
        "leg_pain": 0,
        "leg_pain_side": "none",
        "leg_pain_below_knee": False,
        "duration_weeks": 10,
        "claudication": False,
        "walking_tolerance_minutes": 60,
        "can_walk_10_feet_unaided": True,
        "numbness": False,
        "weakness_grade": 5,
        "weakness_progressing": False,
        "bilateral_sciatica": False,
        "hip_or_groin_pain": False,
        "peripheral_arterial_disease": False,
        "hand_symptoms_or_imbalance": False,
    },
    "red_flags": dict(_NO_RED_FLAGS),
    "conservative_care": [care("physiotherapy", 8), care("analgesics", 10)],
    "imaging": [study("mri", finding("L4-L5", "degenerative_disc", severity="mild"))],
    "history": dict(_FIT_HISTORY),
}

SCIATICA: dict[str, Any] = edit(
    BASELINE,
    {
        # Left sciatica for 10 weeks (leg 8 > back 3, below the knee, numb), 8-10 weeks of failed care, and a
        # left L5-S1 extrusion on a recent MRI: microdiscectomy and endoscopic discectomy candidate at L5-S1.
        "/patient/age": 40,
        "/symptoms/back_pain": 3,
        "/symptoms/leg_pain": 8,
        "/symptoms/leg_pain_side": "left",
        "/symptoms/leg_pain_below_knee": True,
        "/symptoms/numbness": True,
        "/conservative_care": [care("physiotherapy", 8, "no_relief"), care("nsaids", 10)],
        "/imaging": [
            study(
                "mri",
                finding("L5-S1", "disc_herniation", side="left", severity="severe", herniation_type="extrusion"),
            )
        ],
    },
)

MILD: dict[str, Any] = edit(
    BASELINE,
    {
        # Like example 06: neurogenic claudication (5 minutes), ligamentum flavum 4.1 mm with moderate central
        # stenosis at L4-L5, 26 weeks of failed exercise and analgesia: mild and mis_decompression candidate.
        "/patient/age": 74,
        "/symptoms/back_pain": 4,
        "/symptoms/leg_pain": 7,
        "/symptoms/leg_pain_side": "both",
        "/symptoms/leg_pain_below_knee": True,
        "/symptoms/duration_weeks": 26,
        "/symptoms/claudication": True,
        "/symptoms/walking_tolerance_minutes": 5,
        "/conservative_care": [
            care("physiotherapy", 12),
            care("home_exercise", 26),
            care("analgesics", 26, "no_relief"),
        ],
        "/imaging": [
            study(
                "mri",
                finding("L4-L5", "ligamentum_flavum_hypertrophy", side="bilateral", ligamentum_flavum_mm=4.1),
                finding("L4-L5", "central_stenosis", severity="moderate"),
                finding("L4-L5", "facet_arthropathy", side="bilateral", severity="moderate"),
            )
        ],
    },
)

MIS_DECOMPRESSION: dict[str, Any] = edit(
    BASELINE,
    {
        # Right-sided radicular pain and claudication for 20 weeks, 14-20 weeks of failed care, right lateral
        # recess stenosis at L4-L5 (no hypertrophy finding, so mild does not apply): mis_decompression
        # candidate.
        "/patient/age": 65,
        "/symptoms/back_pain": 3,
        "/symptoms/leg_pain": 7,
        "/symptoms/leg_pain_side": "right",
        "/symptoms/leg_pain_below_knee": True,
        "/symptoms/duration_weeks": 20,
        "/symptoms/claudication": True,
        "/symptoms/walking_tolerance_minutes": 10,
        "/conservative_care": [care("physiotherapy", 14), care("nsaids", 20)],
        "/imaging": [study("mri", finding("L4-L5", "lateral_recess_stenosis", side="right", severity="severe"))],
    },
)

MIS_TLIF: dict[str, Any] = edit(
    BASELINE,
    {
        # Like example 07 without the smoking: grade 1 degenerative L4-L5 slip that moves 5 mm on
        # flexion-extension films, left radicular pain for 24 weeks, 12-20 weeks of failed care: mis_tlif
        # candidate at L4-L5.
        "/patient/age": 61,
        "/symptoms/back_pain": 6,
        "/symptoms/leg_pain": 7,
        "/symptoms/leg_pain_side": "left",
        "/symptoms/leg_pain_below_knee": True,
        "/symptoms/numbness": True,
        "/symptoms/duration_weeks": 24,
        "/conservative_care": [care("physiotherapy", 12, "no_relief"), care("nsaids", 20)],
        "/imaging": [
            study(
                "mri",
                finding("L4-L5", "spondylolisthesis", grade=1, slip_type="degenerative"),
                finding("L4-L5", "degenerative_disc", severity="moderate"),
            ),
            study(
                "xray_flexion_extension",
                finding("L4-L5", "spondylolisthesis", grade=1, slip_type="degenerative"),
                finding("L4-L5", "dynamic_instability", translation_mm=5),
            ),
        ],
    },
)

OPEN_SURGERY: dict[str, Any] = edit(
    BASELINE,
    {
        # Grade 3 isthmic L5-S1 slip with left radicular pain for 30 weeks: open surgery possible at L5-S1
        # (mis_tlif not_candidate: grade >= 3 goes to open surgery).
        "/patient/age": 35,
        "/symptoms/back_pain": 6,
        "/symptoms/leg_pain": 7,
        "/symptoms/leg_pain_side": "left",
        "/symptoms/leg_pain_below_knee": True,
        "/symptoms/numbness": True,
        "/symptoms/duration_weeks": 30,
        "/conservative_care": [care("physiotherapy", 16, "no_relief"), care("nsaids", 30)],
        "/imaging": [study("mri", finding("L5-S1", "spondylolisthesis", grade=3, slip_type="isthmic"))],
    },
)
