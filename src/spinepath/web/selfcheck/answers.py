"""From the wizard's answers to a ``spinepath.intake/1`` document, and from an intake field back to its question.

The answers are what each step's forms cleaned, kept JSON-safe in the session (see :mod:`.session`):

    {"red-flags":  {"saddle_anaesthesia": "yes" | "no" | "unknown", ...},
     "symptoms":   {"back_pain": "0".."10" | "unknown", "duration_weeks": 12.0 | None, "sex": "female", ...},
     "treatments": {"tried": "yes" | "none" | "unknown", "rows": [{"kind", "weeks", "outcome"}, ...]},
     "imaging":    {"had_scan": "yes" | "no" | "unknown", "scans": [{"modality", "months_ago", "showed"}, ...],
                    "findings": [{"scan": 1, "level", "kind", "side", "severity", <kind details>}, ...]},
     "health":     {"had_surgery": ..., "surgeries": [{"procedure", "level", "years_ago"}], "diabetes", ...}}

A step not answered yet, and every "I don't know", becomes null (unknown) in the intake: never false.
Nothing here decides anything clinical; the engine does (``spinepath.core.assess``).
"""

from __future__ import annotations

import re
from typing import Any

from spinepath.core.intake import INTAKE_SCHEMA_ID

from .forms import UNKNOWN, FindingRowForm, RedFlagsForm

RED_FLAGS, SYMPTOMS, TREATMENTS, IMAGING, HEALTH = "red-flags", "symptoms", "treatments", "imaging", "health"
STEP_SLUGS = (RED_FLAGS, SYMPTOMS, TREATMENTS, IMAGING, HEALTH)

Answers = dict[str, dict[str, Any]]

_PATIENT_FIELDS = ("age", "sex", "height_cm", "weight_kg")
_SYMPTOM_FIELDS = (
    "back_pain", "leg_pain", "leg_pain_side", "leg_pain_below_knee", "duration_weeks", "claudication",
    "walking_tolerance_minutes", "can_walk_10_feet_unaided", "numbness", "weakness_grade", "weakness_progressing",
    "bilateral_sciatica", "hip_or_groin_pain", "peripheral_arterial_disease", "hand_symptoms_or_imbalance",
)
_INTEGERS = {"back_pain", "leg_pain", "weakness_grade", "grade"}  # chosen from a list, kept as text in the form
_HISTORY_FIELDS = ("diabetes", "hba1c_percent", "smoker", "anticoagulants", "bleeding_disorder", "pregnant",
                   "bone_density_t_score")
_TREATMENT_FIELDS = ("kind", "weeks", "outcome")
_SURGERY_FIELDS = ("level", "procedure", "years_ago")
_FINDING_FIELDS = ("level", "kind", "side", "severity")


def _value(name: str, answer: Any) -> Any:
    """One answer as the intake wants it: Yes/No as true/false, "I don't know" or no answer as null."""
    if answer in (None, "", UNKNOWN, "unknown_findings"):
        return None
    if answer == "yes":
        return True
    if answer == "no":
        return False
    if name in _INTEGERS:
        return int(answer)
    return answer


def _section(step: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _value(name, step.get(name)) for name in names}


def _rows(step: dict[str, Any], flag: str, key: str, names: tuple[str, ...]) -> list[dict[str, Any]] | None:
    """A repeatable list: unknown when the person does not know, empty for "none", else their rows."""
    answer = step.get(flag)
    if answer == "yes":
        return [_section(row, names) for row in step.get(key, [])]
    if answer in ("no", "none"):
        return []
    return None


def asks_pregnancy(answers: Answers) -> bool:
    """Pregnancy is not asked of men (spec §3.3)."""
    return answers.get(SYMPTOMS, {}).get("sex") != "male"


def _studies(imaging: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, dict[tuple[int, int], int]]:
    """The imaging list, and where each finding came from: (study, finding) -> row of the findings list."""
    had_scan = imaging.get("had_scan")
    if had_scan == "no":
        return [], {}
    if had_scan != "yes":
        return None, {}
    studies: list[dict[str, Any]] = []
    origin: dict[tuple[int, int], int] = {}
    for number, scan in enumerate(imaging.get("scans", []), start=1):
        study: dict[str, Any] = {"modality": _value("modality", scan.get("modality")),
                                 "months_ago": _value("months_ago", scan.get("months_ago"))}
        showed = scan.get("showed")
        if showed == "normal":
            study["findings"] = []
        elif showed == "listed":
            findings = []
            for row_index, row in enumerate(imaging.get("findings", [])):
                if row.get("scan", 1) != number:
                    continue
                finding = _section(row, _FINDING_FIELDS)
                details = FindingRowForm.KIND_DETAILS.get(row.get("kind") or "")
                if details is None and _value("kind", row.get("kind")) is None:
                    details = FindingRowForm.DETAIL_FIELDS  # unknown kind: keep whatever the report gave
                for name in details or ():
                    finding[name] = _value(name, row.get(name))
                origin[(len(studies), len(findings))] = row_index
                findings.append(finding)
            study["findings"] = findings
        else:
            study["findings"] = None
        studies.append(study)
    return studies, origin


def build_intake(answers: Answers) -> dict[str, Any]:
    """The intake document for the answers so far (unanswered steps and "I don't know": null)."""
    symptoms = answers.get(SYMPTOMS, {})
    health = answers.get(HEALTH, {})
    history = _section(health, _HISTORY_FIELDS)
    if not asks_pregnancy(answers):
        history["pregnant"] = None
    history["prior_lumbar_surgery"] = _rows(health, "had_surgery", "surgeries", _SURGERY_FIELDS)
    history["asa_class"] = None  # a clinician's grading of fitness for anaesthesia, not a question for a patient
    document: dict[str, Any] = {
        "schema": INTAKE_SCHEMA_ID,
        "patient": _section(symptoms, _PATIENT_FIELDS),
        "symptoms": _section(symptoms, _SYMPTOM_FIELDS),
        "red_flags": _section(answers.get(RED_FLAGS, {}), tuple(RedFlagsForm.base_fields)),
        "conservative_care": _rows(answers.get(TREATMENTS, {}), "tried", "rows", _TREATMENT_FIELDS),
        "imaging": _studies(answers.get(IMAGING, {}))[0],
        "history": history,
    }
    return document


_SECTION_STEP = {"red_flags": RED_FLAGS, "patient": SYMPTOMS, "symptoms": SYMPTOMS, "conservative_care": TREATMENTS,
                 "imaging": IMAGING, "history": HEALTH}
_LIST_FIELDS = {"conservative_care": (TREATMENTS, "tried", "rows"),
                "prior_lumbar_surgery": (HEALTH, "had_surgery", "surgeries")}


def locate(pointer: str, answers: Answers) -> tuple[str | None, str | None]:
    """The step that asks about an intake field (JSON pointer), and the form field's HTML name when known."""
    parts = pointer.strip("/").split("/")
    step = _SECTION_STEP.get(parts[0])
    if step is None:
        return None, None
    if parts[0] in ("red_flags", "patient", "symptoms") and len(parts) == 2:
        return step, parts[1]
    if parts[0] == "history" and len(parts) >= 2:
        if parts[1] in _LIST_FIELDS:
            return step, _list_field(parts[1:], *_LIST_FIELDS[parts[1]][1:])
        return step, parts[1] if len(parts) == 2 else None
    if parts[0] == "conservative_care":
        return step, _list_field(parts, "tried", "rows")
    if parts[0] == "imaging":
        return step, _imaging_field(parts[1:], answers.get(IMAGING, {}))
    return step, None


def _list_field(parts: list[str], flag: str, prefix: str) -> str:
    # /conservative_care -> the yes/none question; /conservative_care/1/weeks -> that row's box.
    if len(parts) == 3 and parts[1].isdigit():
        return f"{prefix}-{parts[1]}-{parts[2]}"
    return flag


def _imaging_field(parts: list[str], imaging: dict[str, Any]) -> str:
    if not parts or not parts[0].isdigit():
        return "had_scan"
    study = int(parts[0])
    if len(parts) == 2:
        name = {"modality": "modality", "months_ago": "months_ago", "findings": "showed"}.get(parts[1], "modality")
        return f"scans-{study}-{name}"
    if len(parts) == 4 and parts[2].isdigit():
        row = _studies(imaging)[1].get((study, int(parts[2])))
        if row is not None:
            return f"findings-{row}-{parts[3]}"
    return f"scans-{study}-showed"


def pointer_pattern(pointer: str) -> str:
    """``/imaging/0/findings/2/grade`` -> ``/imaging/*/findings/*/grade`` (list positions do not matter)."""
    return re.sub(r"/\d+(?=/|$)", "/*", pointer)
