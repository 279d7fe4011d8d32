"""Hypothesis strategies for valid ``spinepath.intake/1`` documents (spec/assessment.md §1).

``intakes()`` mixes two shapes:

* *known* documents: every field set, benign values favoured (they shrink towards a fit patient without red
  flags), findings drawn in clinically meaningful bundles at one level, so that every procedure can reach
  ``candidate``; property tests then make facts unknown themselves;
* *sparse* documents: every field absent, ``null`` or set, whole sections ``null`` now and then.

Numbers include the spec's thresholds on both sides (leg pain 3.9/4, ligamentum flavum 2.5/2.6 mm,
imaging 3/12/12.5 months, duration 5.9/6/12 weeks, translation 3/3.5 mm, Cobb 20/21 degrees, HbA1c 7.5/8.0,
BMI near 40, T-score -2.5/-2.6, every ASA class and weakness grade).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from typing import Any, get_args

from hypothesis import strategies as st

from spinepath.core.intake import ConservativeCareKind, FindingKind, RedFlags

__all__ = [
    "FINDING_KINDS",
    "RED_FLAGS",
    "intakes",
    "known_intakes",
    "near_candidate_intakes",
    "sparse_intakes",
]

LEVELS = ("L4-L5", "L5-S1", "L3-L4", "L2-L3", "L1-L2")
# The vocabularies come from the contract itself, so a new value is generated as soon as the model has it.
RED_FLAGS = tuple(RedFlags.model_fields)
FINDING_KINDS = get_args(FindingKind)
CARE_KINDS = get_args(ConservativeCareKind)
# Findings that the rules read together, at one level (each procedure's indication needs one of them).
BUNDLES: tuple[tuple[str, ...], ...] = (
    ("disc_herniation",),
    ("ligamentum_flavum_hypertrophy", "central_stenosis"),
    ("spondylolisthesis", "dynamic_instability"),
    ("spondylolisthesis",),
    ("dynamic_instability", "lateral_recess_stenosis"),
    ("central_stenosis",),
    ("lateral_recess_stenosis",),
    ("foraminal_stenosis",),
    ("synovial_cyst",),
    ("scoliosis", "central_stenosis"),
    ("ligamentum_flavum_hypertrophy", "central_stenosis", "spondylolisthesis"),
    ("ligamentum_flavum_hypertrophy", "central_stenosis", "disc_herniation"),
    ("degenerative_disc", "facet_arthropathy"),
    *((kind,) for kind in FINDING_KINDS[:-3]),
)
SERIOUS_BUNDLES = (("fracture",), ("tumour",), ("infection",), ("fracture", "central_stenosis"))


def _number(low: float, high: float, edges: Sequence[float] = ()) -> st.SearchStrategy[float]:
    """Any number in ``[low, high]``, whole or not, with the edge values drawn often."""
    ranged = st.one_of(
        st.integers(int(low) + (low != int(low)), int(high)),
        st.floats(low, high, allow_nan=False, allow_infinity=False),
    )
    return st.one_of(st.sampled_from(list(edges)), ranged) if edges else ranged


def _weighted(*options: Any) -> st.SearchStrategy[Any]:
    """``sampled_from`` shrinks towards its first option; repeat an option to draw it more often."""
    return st.sampled_from(options)


BENIGN_FALSE = _weighted(False, False, False, True)
RARE_TRUE = _weighted(*[False] * 15, True)
NRS = _number(0, 10, (0, 3.9, 4, 4.0, 10))


@st.composite
def _section(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[Any]], known: bool) -> dict[str, Any]:
    """A dict with each field set (known) or, when sparse, set, ``null`` or absent."""
    out: dict[str, Any] = {}
    for key, strategy in fields.items():
        shape = "set" if known else draw(_weighted("set", "set", "null", "absent"))
        if shape == "set":
            out[key] = draw(strategy)
        elif shape == "null":
            out[key] = None
    return out


@st.composite
def _patient(draw: st.DrawFn, known: bool) -> dict[str, Any]:
    height = draw(_number(140, 205, (150, 170, 185.5)))
    bmi = draw(_number(17, 50, (39.9, 40, 40.1, 25)))
    weight = min(max(round(bmi * (height / 100) ** 2, 1), 20.5), 400)
    fields = {
        "age": st.one_of(st.sampled_from([18, 49, 50, 64, 65, 120]), st.integers(18, 120)),
        "sex": st.sampled_from(["female", "male", "other"]),
        "height_cm": st.just(height),
        "weight_kg": st.just(weight),
    }
    return draw(_section(fields, known))


SYMPTOM_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "back_pain": NRS,
    "leg_pain": NRS,
    "leg_pain_side": st.sampled_from(["left", "right", "both", "none"]),
    "leg_pain_below_knee": _weighted(True, True, False),
    "duration_weeks": _number(0, 520, (0, 5.9, 6, 11.9, 12, 26, 52)),
    "claudication": _weighted(True, False),
    "walking_tolerance_minutes": _number(0, 600, (5, 29.9, 30, 60)),
    "can_walk_10_feet_unaided": _weighted(True, True, True, False),
    "numbness": st.booleans(),
    "weakness_grade": _weighted(5, 5, 5, 5, 5, 5, 5, 5, 4, 4, 4, 3, 2, 1, 0),
    "weakness_progressing": RARE_TRUE,
    "bilateral_sciatica": RARE_TRUE,
    "hip_or_groin_pain": BENIGN_FALSE,
    "peripheral_arterial_disease": BENIGN_FALSE,
    "hand_symptoms_or_imbalance": BENIGN_FALSE,
}


def _symptoms(known: bool) -> st.SearchStrategy[dict[str, Any]]:
    return _section(SYMPTOM_FIELDS, known)


@st.composite
def _red_flags(draw: st.DrawFn, known: bool) -> dict[str, Any]:
    if known:
        # All answered "no", now and then one or two "yes": most known documents stay routine.
        flags: dict[str, Any] = dict.fromkeys(RED_FLAGS, False)
        how_many = draw(_weighted(*[0] * 12, 1, 1, 2))
        chosen = st.lists(st.sampled_from(RED_FLAGS), min_size=how_many, max_size=how_many, unique=True)
        for flag in draw(chosen):
            flags[flag] = True
        return flags
    return draw(_section(dict.fromkeys(RED_FLAGS, _weighted(*[False] * 40, True)), known=False))


CARE_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "kind": st.sampled_from(CARE_KINDS),
    "weeks": _number(0, 104, (5.9, 6, 11.9, 12, 26)),
    "outcome": _weighted("no_relief", "partial_relief", "no_relief", "good_relief"),
}


def _care(known: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    entry = _section(CARE_FIELDS, known)
    return st.lists(entry, min_size=known, max_size=4)


_KIND_DETAILS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "ligamentum_flavum_hypertrophy": {"ligamentum_flavum_mm": _number(0, 30, (2.5, 2.6, 4.1))},
    "spondylolisthesis": {
        "grade": st.integers(1, 4),
        "slip_type": st.sampled_from(["degenerative", "isthmic"]),
    },
    "dynamic_instability": {"translation_mm": _number(0, 100, (3, 3.5, 5))},
    "scoliosis": {"cobb_degrees": _number(0, 180, (20, 20.5, 21, 35))},
    "disc_herniation": {"herniation_type": st.sampled_from(["extrusion", "protrusion", "sequestration"])},
}


def _finding(level: str, kind: str, known: bool) -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {
        "level": st.just(level),
        "kind": st.just(kind),
        "side": st.sampled_from(["left", "right", "central", "bilateral"]),
        "severity": st.sampled_from(["moderate", "severe", "mild"]),
        **_KIND_DETAILS.get(kind, {}),
    }
    return _section(fields, known)


@st.composite
def _findings(draw: st.DrawFn, known: bool) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    bundles = st.one_of(*[st.sampled_from(BUNDLES)] * 15, st.sampled_from(SERIOUS_BUNDLES))
    for bundle in draw(st.lists(bundles, min_size=known, max_size=3)):
        level = draw(st.sampled_from(LEVELS))
        out.extend(draw(_finding(level, kind, known)) for kind in bundle)
    return out


STUDY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "modality": _weighted("mri", "xray_flexion_extension", "ct", "ct_myelogram", "xray"),
    "months_ago": st.one_of(_number(0, 12, (0, 3, 3.5, 12)), _number(0, 240, (12.5, 24))),
}


def _study(known: bool) -> st.SearchStrategy[dict[str, Any]]:
    return _section({**STUDY_FIELDS, "findings": _findings(known)}, known)


PRIOR_SURGERY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "level": st.sampled_from(LEVELS),
    "procedure": st.sampled_from(["discectomy", "fusion", "decompression", "mild", "other"]),
    "years_ago": _number(0, 60, (1, 5)),
}


def _prior_surgery(known: bool) -> st.SearchStrategy[dict[str, Any]]:
    return _section(PRIOR_SURGERY_FIELDS, known)


HISTORY_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "asa_class": _weighted(1, 2, 1, 2, 1, 2, 3, 3, 4, 5),
    "diabetes": BENIGN_FALSE,
    "hba1c_percent": _number(3, 20, (5.5, 7.5, 7.6, 7.9, 8.0)),
    "smoker": BENIGN_FALSE,
    "anticoagulants": BENIGN_FALSE,
    "bleeding_disorder": BENIGN_FALSE,
    "pregnant": _weighted(False, False, False, False, True),
    "bone_density_t_score": _number(-10, 10, (0, -2.4, -2.5, -2.6)),
}


def _history(known: bool) -> st.SearchStrategy[dict[str, Any]]:
    fields = {"prior_lumbar_surgery": st.lists(_prior_surgery(known), max_size=2), **HISTORY_FIELDS}
    return _section(fields, known)


@st.composite
def _intake(draw: st.DrawFn, known: bool) -> dict[str, Any]:
    sections: dict[str, st.SearchStrategy[Any]] = {
        "patient": _patient(known),
        "symptoms": _symptoms(known),
        "red_flags": _red_flags(known),
        "conservative_care": _care(known),
        "imaging": st.lists(_study(known), min_size=known, max_size=3),
        "history": _history(known),
    }
    document: dict[str, Any] = {"schema": "spinepath.intake/1"}
    document.update(draw(_section(sections, known)))
    return document


# --- near a candidate ------------------------------------------------------------------------------------
# Fully known documents in which a procedure is a candidate, each changed in a few random places: the edges of
# every rule are met far more often than by drawing whole documents at random.

_NO = dict.fromkeys(RED_FLAGS, False)
_FIT = {"prior_lumbar_surgery": [], "asa_class": 1, "diabetes": False, "hba1c_percent": 5.5, "smoker": False,
        "anticoagulants": False, "bleeding_disorder": False, "pregnant": False, "bone_density_t_score": -0.5}
_BENIGN = {"can_walk_10_feet_unaided": True, "weakness_progressing": False, "bilateral_sciatica": False,
           "hip_or_groin_pain": False, "peripheral_arterial_disease": False, "hand_symptoms_or_imbalance": False}


def _template(symptoms: dict[str, Any], care: list[dict[str, Any]], imaging: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schema": "spinepath.intake/1",
        "patient": {"age": 66, "sex": "female", "height_cm": 165, "weight_kg": 72},
        "symptoms": {**_BENIGN, **symptoms},
        "red_flags": dict(_NO),
        "conservative_care": care,
        "imaging": imaging,
        "history": dict(_FIT),
    }


_SCIATICA = {"back_pain": 3, "leg_pain": 8, "leg_pain_side": "left", "leg_pain_below_knee": True,
             "duration_weeks": 14, "claudication": False, "walking_tolerance_minutes": 60, "numbness": True,
             "weakness_grade": 5}
_CLAUDICATION = {**_SCIATICA, "back_pain": 4, "leg_pain": 7, "leg_pain_side": "both", "duration_weeks": 26,
                 "claudication": True, "walking_tolerance_minutes": 5}
_FAILED_CARE = [{"kind": "physiotherapy", "weeks": 14, "outcome": "no_relief"},
                {"kind": "nsaids", "weeks": 20, "outcome": "partial_relief"}]


def _mri(*findings: dict[str, Any]) -> dict[str, Any]:
    return {"modality": "mri", "months_ago": 1, "findings": list(findings)}


NEAR_CANDIDATE_TEMPLATES: dict[str, dict[str, Any]] = {
    "microdiscectomy": _template(_SCIATICA, _FAILED_CARE, [_mri(
        {"level": "L5-S1", "kind": "disc_herniation", "side": "left", "severity": "severe",
         "herniation_type": "extrusion"})]),
    "mild": _template(_CLAUDICATION, _FAILED_CARE, [_mri(
        {"level": "L4-L5", "kind": "ligamentum_flavum_hypertrophy", "side": "bilateral",
         "ligamentum_flavum_mm": 4.1},
        {"level": "L4-L5", "kind": "central_stenosis", "severity": "moderate"})]),
    "mis_decompression": _template({**_CLAUDICATION, "leg_pain_side": "right"}, _FAILED_CARE, [_mri(
        {"level": "L4-L5", "kind": "lateral_recess_stenosis", "side": "right", "severity": "severe"})]),
    "mis_tlif": _template(_SCIATICA, _FAILED_CARE, [
        _mri({"level": "L4-L5", "kind": "spondylolisthesis", "grade": 1, "slip_type": "degenerative"},
             {"level": "L4-L5", "kind": "central_stenosis", "severity": "moderate"}),
        {"modality": "xray_flexion_extension", "months_ago": 1, "findings": [
            {"level": "L4-L5", "kind": "dynamic_instability", "translation_mm": 5}]}]),
    "open_surgery": _template(_SCIATICA, _FAILED_CARE, [_mri(
        {"level": "L5-S1", "kind": "spondylolisthesis", "grade": 3, "slip_type": "isthmic"},
        {"level": "L3-L4", "kind": "central_stenosis", "severity": "severe"})]),
}

FINDING_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "level": st.sampled_from(LEVELS),
    "kind": st.sampled_from(FINDING_KINDS),
    "side": st.sampled_from(["left", "right", "central", "bilateral"]),
    "severity": st.sampled_from(["moderate", "severe", "mild"]),
    **{name: strategy for details in _KIND_DETAILS.values() for name, strategy in details.items()},
}
_FIELDS_AT: list[tuple[re.Pattern[str], dict[str, st.SearchStrategy[Any]]]] = [
    (re.compile(r"/patient/\w+"), {"age": st.integers(18, 120), "sex": st.sampled_from(["female", "male"]),
                                    "height_cm": _number(140, 205), "weight_kg": _number(40, 200, (116, 118))}),
    (re.compile(r"/symptoms/\w+"), SYMPTOM_FIELDS),
    (re.compile(r"/red_flags/\w+"), dict.fromkeys(RED_FLAGS, st.booleans())),
    (re.compile(r"/conservative_care/\d+/\w+"), CARE_FIELDS),
    (re.compile(r"/imaging/\d+/findings/\d+/\w+"), FINDING_FIELDS),
    (re.compile(r"/imaging/\d+/\w+"), STUDY_FIELDS),
    (re.compile(r"/history/prior_lumbar_surgery/\d+/\w+"), PRIOR_SURGERY_FIELDS),
    (re.compile(r"/history/\w+"), HISTORY_FIELDS),
]


def _leaf_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for key, child in value.items() if key != "schema" for p in _leaf_paths(child, f"{path}/{key}")]
    if isinstance(value, list):
        return [p for index, child in enumerate(value) for p in _leaf_paths(child, f"{path}/{index}")]
    return [path]


def _strategy_at(path: str) -> st.SearchStrategy[Any]:
    name = path.rsplit("/", 1)[1]
    for pattern, fields in _FIELDS_AT:
        if pattern.fullmatch(path):
            return fields[name]
    raise KeyError(path)


@st.composite
def near_candidate_intakes(draw: st.DrawFn) -> dict[str, Any]:
    """A known candidate document (see ``NEAR_CANDIDATE_TEMPLATES``) with up to four changes: a field set to
    another valid value, a finding added at a level already imaged, or a prior operation added."""
    doc = copy.deepcopy(draw(st.sampled_from(list(NEAR_CANDIDATE_TEMPLATES.values()))))
    for _ in range(draw(st.integers(0, 4))):
        change = draw(_weighted("set", "set", "set", "finding", "surgery"))
        if change == "set":
            path = draw(st.sampled_from(_leaf_paths(doc)))
            *parents, last = path[1:].split("/")
            node: Any = doc
            for token in parents:
                node = node[int(token)] if isinstance(node, list) else node[token]
            node[last] = draw(_strategy_at(path))
        elif change == "finding":
            study = draw(st.sampled_from(doc["imaging"]))
            level = draw(st.sampled_from([f["level"] for f in study["findings"]]))
            kind = draw(st.sampled_from(FINDING_KINDS[:-3]))
            study["findings"].append(draw(_finding(level, kind, known=True)))
        else:
            level = draw(st.sampled_from([f["level"] for s in doc["imaging"] for f in s["findings"]]))
            doc["history"]["prior_lumbar_surgery"].append(draw(_prior_surgery(known=True)) | {"level": level})
    return doc


def known_intakes() -> st.SearchStrategy[dict[str, Any]]:
    """Valid intakes with every fact known."""
    return _intake(known=True)


def sparse_intakes() -> st.SearchStrategy[dict[str, Any]]:
    """Valid intakes with each fact set, ``null`` or absent (whole sections and lists too)."""
    return _intake(known=False)


def intakes() -> st.SearchStrategy[dict[str, Any]]:
    """Valid ``spinepath.intake/1`` dicts: known ones, sparse ones and ones near a candidate."""
    return st.one_of(known_intakes(), sparse_intakes(), near_candidate_intakes())
