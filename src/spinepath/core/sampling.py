"""Deterministic, varied, *valid* ``spinepath.intake/1`` documents for benchmarks and demos.

:func:`random_intakes` draws from its own ``random.Random(seed)``, so the same ``(count, seed)`` always gives
the same documents. Every section is covered: each clinical fact is sometimes unknown (missing or ``null``),
every enum value occurs, studies carry several findings at different levels with their kind-specific details,
and red flags are rare, so that most documents are routine as in a real clinic. Pure: no I/O, no clock.

These documents are not clinical cases to learn from: the distributions are chosen for coverage, not realism.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any, Final, TypeVar

from .intake import LEVELS, RedFlags

__all__ = ["random_intakes"]

T = TypeVar("T")

_UNKNOWN_RATE: Final = 0.12  # per fact: half of the unknowns are absent keys, half explicit nulls
_RED_FLAG_RATE: Final = 0.006  # per red flag: with 14 flags, most documents have none
_ABSENT: Final = object()

_SEXES: Final = ("female", "male", "other")
_SIDES: Final = ("none", "left", "right", "both")
_FINDING_SIDES: Final = ("left", "right", "central", "bilateral")
_SEVERITIES: Final = ("mild", "moderate", "severe")
_CARE_KINDS: Final = (
    "physiotherapy",
    "home_exercise",
    "analgesics",
    "nsaids",
    "neuropathic_medication",
    "epidural_injection",
    "activity_modification",
    "manual_therapy",
    "other",
)
_OUTCOMES: Final = ("no_relief", "partial_relief", "good_relief")
_MODALITIES: Final = ("mri", "mri", "mri", "ct", "ct_myelogram", "xray", "xray_flexion_extension")
# Degenerative findings are common; fracture, tumour and infection (which raise urgency) are rare.
_COMMON_KINDS: Final = (
    "disc_herniation",
    "disc_herniation",
    "central_stenosis",
    "central_stenosis",
    "lateral_recess_stenosis",
    "foraminal_stenosis",
    "ligamentum_flavum_hypertrophy",
    "spondylolisthesis",
    "dynamic_instability",
    "degenerative_disc",
    "degenerative_disc",
    "facet_arthropathy",
    "synovial_cyst",
    "scoliosis",
)
_SERIOUS_KINDS: Final = ("fracture", "tumour", "infection")
_SERIOUS_RATE: Final = 0.01
_HERNIATION_TYPES: Final = ("protrusion", "extrusion", "sequestration")
_SLIP_TYPES: Final = ("degenerative", "isthmic")
_SURGERIES: Final = ("discectomy", "decompression", "fusion", "mild", "other")
_RED_FLAGS: Final = tuple(RedFlags.model_fields)  # every red flag the contract has, in its order


class _Doc:
    """Builds one section, leaving each fact unknown (absent or ``null``) at ``_UNKNOWN_RATE``."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self.fields: dict[str, Any] = {}

    def put(self, key: str, value: Any) -> None:
        roll = self._rng.random()
        if roll < _UNKNOWN_RATE / 2:
            return
        self.fields[key] = None if roll < _UNKNOWN_RATE else value


def _choice(rng: random.Random, options: tuple[T, ...]) -> T:
    return options[rng.randrange(len(options))]


def _number(rng: random.Random, low: float, high: float, *, decimals: int = 1) -> float | int:
    """A measurement in range, sometimes a whole number (JSON writers often drop the ``.0``)."""
    value = round(rng.uniform(low, high), decimals)
    return int(value) if rng.random() < 0.3 else value


def _nrs(rng: random.Random) -> float | int:
    return rng.randint(0, 10) if rng.random() < 0.7 else round(rng.uniform(0, 10), 1)


def _patient(rng: random.Random) -> dict[str, Any]:
    doc = _Doc(rng)
    doc.put("age", rng.randint(18, 95))
    doc.put("sex", _choice(rng, _SEXES))
    height = _number(rng, 145, 200)
    doc.put("height_cm", height)
    # BMI from 17 to 48, so that the BMI >= 40 risk factor occurs.
    doc.put("weight_kg", round(rng.uniform(17, 48) * (height / 100) ** 2, 1))
    return doc.fields


def _symptoms(rng: random.Random) -> dict[str, Any]:
    doc = _Doc(rng)
    back, leg = _nrs(rng), _nrs(rng)
    side = "none" if leg == 0 else _choice(rng, _SIDES)
    doc.put("back_pain", back)
    doc.put("leg_pain", leg)
    doc.put("leg_pain_side", side)
    doc.put("leg_pain_below_knee", side != "none" and rng.random() < 0.6)
    doc.put("duration_weeks", _number(rng, 0, 104))
    claudication = rng.random() < 0.35
    doc.put("claudication", claudication)
    doc.put("walking_tolerance_minutes", _number(rng, 1, 25) if claudication else _number(rng, 15, 120))
    doc.put("can_walk_10_feet_unaided", rng.random() < 0.97)
    doc.put("numbness", rng.random() < 0.3)
    # Mostly normal power; grade <= 3 (urgent) is uncommon.
    doc.put("weakness_grade", rng.choices((0, 1, 2, 3, 4, 5), weights=(1, 1, 1, 2, 25, 70))[0])
    doc.put("weakness_progressing", rng.random() < 0.01)
    doc.put("bilateral_sciatica", side == "both" and rng.random() < 0.05)
    doc.put("hip_or_groin_pain", rng.random() < 0.1)
    doc.put("peripheral_arterial_disease", rng.random() < 0.05)
    doc.put("hand_symptoms_or_imbalance", rng.random() < 0.05)
    return doc.fields


def _red_flags(rng: random.Random) -> dict[str, Any]:
    doc = _Doc(rng)
    for flag in _RED_FLAGS:
        doc.put(flag, rng.random() < _RED_FLAG_RATE)
    return doc.fields


def _conservative_care(rng: random.Random) -> list[dict[str, Any]]:
    entries = []
    for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
        doc = _Doc(rng)
        doc.put("kind", _choice(rng, _CARE_KINDS))
        doc.put("weeks", _number(rng, 1, 30))
        doc.put("outcome", _choice(rng, _OUTCOMES))
        entries.append(doc.fields)
    return entries


def _finding(rng: random.Random, level: str) -> dict[str, Any]:
    serious = rng.random() < _SERIOUS_RATE
    kind = _choice(rng, _SERIOUS_KINDS if serious else _COMMON_KINDS)
    doc = _Doc(rng)
    doc.put("level", level)
    doc.put("kind", kind)
    doc.put("side", _choice(rng, _FINDING_SIDES))
    doc.put("severity", _choice(rng, _SEVERITIES))
    if kind == "ligamentum_flavum_hypertrophy":
        doc.put("ligamentum_flavum_mm", _number(rng, 1.5, 7, decimals=1))
    elif kind == "spondylolisthesis":
        doc.put("grade", _choice(rng, (1, 1, 1, 2, 2, 3, 4)))
        doc.put("slip_type", _choice(rng, _SLIP_TYPES))
    elif kind == "dynamic_instability":
        doc.put("translation_mm", _number(rng, 1, 8, decimals=1))
    elif kind == "scoliosis":
        doc.put("cobb_degrees", _number(rng, 5, 50))
    elif kind == "disc_herniation":
        doc.put("herniation_type", _choice(rng, _HERNIATION_TYPES))
    return doc.fields


def _study(rng: random.Random) -> dict[str, Any]:
    doc = _Doc(rng)
    doc.put("modality", _choice(rng, _MODALITIES))
    doc.put("months_ago", _number(rng, 0, 30))
    # Findings cluster at the lower levels, so that several meet at one level (as the rules need).
    levels = rng.choices(LEVELS, weights=(1, 1, 3, 6, 5), k=rng.choice((0, 1, 2, 2, 3, 4)))
    doc.put("findings", [_finding(rng, level) for level in levels])
    return doc.fields


def _prior_surgery(rng: random.Random) -> dict[str, Any]:
    doc = _Doc(rng)
    doc.put("level", _choice(rng, LEVELS))
    doc.put("procedure", _choice(rng, _SURGERIES))
    doc.put("years_ago", _number(rng, 0, 30))
    return doc.fields


def _history(rng: random.Random, patient: dict[str, Any]) -> dict[str, Any]:
    doc = _Doc(rng)
    surgeries = rng.choice((0, 0, 0, 0, 0, 1, 1, 2))
    doc.put("prior_lumbar_surgery", [_prior_surgery(rng) for _ in range(surgeries)])
    doc.put("asa_class", _choice(rng, (1, 1, 2, 2, 2, 3, 3, 4, 5)))
    diabetes = rng.random() < 0.15
    doc.put("diabetes", diabetes)
    doc.put("hba1c_percent", _number(rng, 6.5, 11) if diabetes else _number(rng, 4.5, 6.4))
    doc.put("smoker", rng.random() < 0.2)
    doc.put("anticoagulants", rng.random() < 0.05)
    doc.put("bleeding_disorder", rng.random() < 0.02)
    could_be_pregnant = patient.get("sex") in {"female", None} and (patient.get("age") or 0) < 50
    doc.put("pregnant", could_be_pregnant and rng.random() < 0.05)
    doc.put("bone_density_t_score", _number(rng, -4, 2))
    return doc.fields


def _maybe_list(rng: random.Random, make: list[dict[str, Any]]) -> Any:
    """A list section: usually given, sometimes ``null`` or absent (unknown)."""
    roll = rng.random()
    if roll < _UNKNOWN_RATE / 2:
        return _ABSENT
    return None if roll < _UNKNOWN_RATE else make


def _intake(rng: random.Random) -> dict[str, Any]:
    patient = _patient(rng)
    document: dict[str, Any] = {"schema": "spinepath.intake/1", "patient": patient}
    document["symptoms"] = _symptoms(rng)
    document["red_flags"] = _red_flags(rng)
    care = _maybe_list(rng, _conservative_care(rng))
    if care is not _ABSENT:
        document["conservative_care"] = care
    imaging = _maybe_list(rng, [_study(rng) for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3)))])
    if imaging is not _ABSENT:
        document["imaging"] = imaging
    document["history"] = _history(rng, patient)
    if rng.random() < 0.01:
        # A whole section given as null means all of it unknown.
        document[_choice(rng, ("patient", "symptoms", "red_flags", "history"))] = None
    return document


def random_intakes(count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """``count`` valid intake dicts, the same ones for the same ``seed``."""
    if count < 0:
        raise ValueError(f"count must be 0 or more (got {count})")
    rng = random.Random(seed)
    for _ in range(count):
        yield _intake(rng)
