"""The person's answers as a readable table: section, question, answer, with "I don't know" for what is unknown.

The questions are worded from the intake's field names through the table below (one row per field, so a new
intake field without a question is caught by a test). Values are only reworded here, never judged.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from spinepath.core import Intake
from spinepath.core.intake import ConservativeCareEntry, Finding, ImagingStudy, PriorSurgery

__all__ = ["QUESTIONS", "SECTIONS", "AnswerRow", "answer_rows", "question_for_pointer"]

SECTIONS: dict[str, Promise] = {
    "patient": _("About you"),
    "symptoms": _("Your symptoms"),
    "red_flags": _("Warning signs"),
    "conservative_care": _("Treatment so far"),
    "imaging": _("Scans and x-rays"),
    "history": _("Health and earlier operations"),
}

QUESTIONS: dict[str, dict[str, Promise]] = {
    "patient": {
        "age": _("Age (years)"),
        "sex": _("Sex"),
        "height_cm": _("Height (cm)"),
        "weight_kg": _("Weight (kg)"),
    },
    "symptoms": {
        "back_pain": _("Back pain now (0–10)"),
        "leg_pain": _("Leg pain now (0–10)"),
        "leg_pain_side": _("Which leg hurts"),
        "leg_pain_below_knee": _("Does the leg pain go below the knee?"),
        "duration_weeks": _("How long the pain has lasted (weeks)"),
        "claudication": _("Does walking or standing bring on leg pain that eases when you sit or bend forward?"),
        "walking_tolerance_minutes": _("How long you can walk before you must stop (minutes)"),
        "can_walk_10_feet_unaided": _("Can you walk 10 feet (3 metres) without help?"),
        "numbness": _("Numbness in the leg or foot"),
        "weakness_grade": _("Leg strength (0–5; 5 is normal)"),
        "weakness_progressing": _("Is the leg weakness getting worse?"),
        "bilateral_sciatica": _("Nerve pain in both legs"),
        "hip_or_groin_pain": _("Pain in the hip or groin"),
        "peripheral_arterial_disease": _("Poor blood flow in the legs (peripheral arterial disease)"),
        "hand_symptoms_or_imbalance": _("Clumsy hands or poor balance"),
    },
    "red_flags": {
        "saddle_anaesthesia": _("Numbness between the legs or around the bottom"),
        "bladder_dysfunction": _("New trouble passing or holding urine"),
        "bowel_dysfunction": _("New trouble controlling your bowels"),
        "sexual_dysfunction": _("New loss of sexual function"),
        "fever": _("Fever"),
        "iv_drug_use": _("Injecting drugs"),
        "immunosuppression": _("A weak immune system (illness or medicines)"),
        "recent_infection": _("A recent infection"),
        "cancer_history": _("Cancer now or in the past"),
        "unexplained_weight_loss": _("Weight loss you cannot explain"),
        "night_pain": _("Pain at night that does not ease"),
        "significant_trauma": _("A recent fall or injury"),
        "osteoporosis": _("Thin bones (osteoporosis)"),
        "long_term_steroids": _("Steroid tablets for a long time"),
    },
    "history": {
        "prior_lumbar_surgery": _("Earlier operations on the lower back"),
        "asa_class": _("General fitness for an operation (ASA class 1–5)"),
        "diabetes": _("Diabetes"),
        "hba1c_percent": _("Latest HbA1c (%)"),
        "smoker": _("Do you smoke?"),
        "anticoagulants": _("Blood thinners that cannot be paused"),
        "bleeding_disorder": _("A bleeding disorder"),
        "pregnant": _("Pregnant"),
        "bone_density_t_score": _("Bone density T-score"),
    },
    # The list sections: one question for the whole list when it is unknown or empty.
    "conservative_care": {"": _("Treatments tried")},
    "imaging": {"": _("Scans and x-rays")},
}

# Coded answers in plain words; anything not listed is shown with its underscores turned into spaces.
_VALUES: dict[str, Promise] = {
    "female": _("female"),
    "male": _("male"),
    "other": _("other"),
    "none": _("none"),
    "left": _("left"),
    "right": _("right"),
    "both": _("both"),
    "central": _("central"),
    "bilateral": _("both sides"),
    "mild": _("mild"),
    "moderate": _("moderate"),
    "severe": _("severe"),
    "physiotherapy": _("physiotherapy"),
    "home_exercise": _("exercises at home"),
    "analgesics": _("pain medicine"),
    "nsaids": _("anti-inflammatory medicine (NSAIDs)"),
    "neuropathic_medication": _("medicine for nerve pain"),
    "epidural_injection": _("epidural injection"),
    "activity_modification": _("changing activities"),
    "manual_therapy": _("manual therapy"),
    "no_relief": _("no relief"),
    "partial_relief": _("partial relief"),
    "good_relief": _("good relief"),
    "mri": _("MRI"),
    "ct": _("CT"),
    "ct_myelogram": _("CT myelogram"),
    "xray": _("x-ray"),
    "xray_flexion_extension": _("bending x-rays (flexion-extension)"),
    "disc_herniation": _("disc herniation"),
    "central_stenosis": _("central canal narrowing (stenosis)"),
    "lateral_recess_stenosis": _("lateral recess narrowing"),
    "foraminal_stenosis": _("narrowing of the nerve opening (foraminal stenosis)"),
    "ligamentum_flavum_hypertrophy": _("thickened ligament (ligamentum flavum)"),
    "spondylolisthesis": _("slipped vertebra (spondylolisthesis)"),
    "dynamic_instability": _("movement on bending x-rays (instability)"),
    "degenerative_disc": _("worn disc"),
    "facet_arthropathy": _("worn facet joints"),
    "synovial_cyst": _("synovial cyst"),
    "scoliosis": _("scoliosis"),
    "fracture": _("fracture"),
    "tumour": _("tumour"),
    "infection": _("infection"),
    "degenerative": _("degenerative"),
    "isthmic": _("isthmic"),
    "protrusion": _("protrusion"),
    "extrusion": _("extrusion"),
    "sequestration": _("sequestration"),
    "discectomy": _("discectomy"),
    "decompression": _("decompression"),
    "fusion": _("fusion"),
}


@dataclass(frozen=True, slots=True)
class AnswerRow:
    section: str
    question: str
    answer: str


def answer_rows(intake: Intake) -> list[AnswerRow]:
    """Every question of the intake with its answer, in the active language."""
    rows: list[AnswerRow] = []
    for section in ("patient", "symptoms", "red_flags"):
        part = getattr(intake, section)
        rows += [_row(section, name, _value(getattr(part, name))) for name in QUESTIONS[section]]
    rows += _care_rows(intake.conservative_care)
    rows += _imaging_rows(intake.imaging)
    history = intake.history
    for name in QUESTIONS["history"]:
        if name == "prior_lumbar_surgery":
            rows += _surgery_rows(history.prior_lumbar_surgery)
        else:
            rows.append(_row("history", name, _value(getattr(history, name))))
    return rows


def question_for_pointer(pointer: str) -> str:
    """The question behind a JSON pointer such as ``/symptoms/hip_or_groin_pain`` (the pointer if none fits)."""
    parts = [p for p in pointer.split("/") if p]
    if len(parts) >= 2 and parts[1] in QUESTIONS.get(parts[0], {}):
        return str(QUESTIONS[parts[0]][parts[1]])
    if parts and parts[0] in ("conservative_care", "imaging"):
        return str(QUESTIONS[parts[0]][""])
    return pointer


def _row(section: str, question: str, answer: str) -> AnswerRow:
    return AnswerRow(str(SECTIONS[section]), str(QUESTIONS[section][question]), answer)


def _unknown() -> str:
    return gettext("I don't know")


def _value(value: object) -> str:
    if value is None:
        return _unknown()
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        label = _VALUES.get(value)
        return str(label) if label is not None else value.replace("_", " ")
    return str(value)


def _care_rows(entries: list[ConservativeCareEntry] | None) -> list[AnswerRow]:
    if entries is None:
        return [_row("conservative_care", "", _unknown())]
    if not entries:
        return [_row("conservative_care", "", gettext("None"))]
    section = str(SECTIONS["conservative_care"])
    rows = []
    for entry in entries:
        weeks = _unknown() if entry.weeks is None else _weeks(entry.weeks)
        outcome = _value(entry.outcome)
        rows.append(AnswerRow(section, _value(entry.kind).capitalize(), f"{weeks}; {outcome}"))
    return rows


def _imaging_rows(studies: list[ImagingStudy] | None) -> list[AnswerRow]:
    if studies is None:
        return [_row("imaging", "", _unknown())]
    if not studies:
        return [_row("imaging", "", gettext("None"))]
    section = str(SECTIONS["imaging"])
    rows = []
    for number, study in enumerate(studies, start=1):
        when = _unknown() if study.months_ago is None else ngettext(
            "%(n)s month ago", "%(n)s months ago", _plural(study.months_ago)) % {"n": f"{study.months_ago:g}"}
        question = gettext("Scan %(n)d: %(modality)s") % {"n": number, "modality": _value(study.modality)}
        rows.append(AnswerRow(section, question, gettext("taken: %(when)s") % {"when": when}))
        if study.findings is None:
            rows.append(AnswerRow(section, gettext("Scan %(n)d: findings") % {"n": number}, _unknown()))
        for finding in study.findings or []:
            rows.append(AnswerRow(section, gettext("Scan %(n)d: %(level)s") % {
                "n": number, "level": finding.level or gettext("level not known")}, _finding(finding)))
    return rows


def _finding(finding: Finding) -> str:
    details = [_value(finding.kind)]
    if finding.side is not None:
        details.append(_value(finding.side))
    if finding.severity is not None:
        details.append(_value(finding.severity))
    if finding.ligamentum_flavum_mm is not None:
        details.append(gettext("%(mm)s mm thick") % {"mm": f"{finding.ligamentum_flavum_mm:g}"})
    if finding.grade is not None:
        details.append(gettext("grade %(grade)d") % {"grade": finding.grade})
    if finding.slip_type is not None:
        details.append(_value(finding.slip_type))
    if finding.translation_mm is not None:
        details.append(gettext("%(mm)s mm of movement") % {"mm": f"{finding.translation_mm:g}"})
    if finding.cobb_degrees is not None:
        details.append(gettext("%(deg)s degrees") % {"deg": f"{finding.cobb_degrees:g}"})
    if finding.herniation_type is not None:
        details.append(_value(finding.herniation_type))
    return ", ".join(details)


def _surgery_rows(surgeries: list[PriorSurgery] | None) -> list[AnswerRow]:
    if surgeries is None:
        return [_row("history", "prior_lumbar_surgery", _unknown())]
    if not surgeries:
        return [_row("history", "prior_lumbar_surgery", gettext("None"))]
    question = str(QUESTIONS["history"]["prior_lumbar_surgery"])
    section = str(SECTIONS["history"])
    rows = []
    for surgery in surgeries:
        when = _unknown() if surgery.years_ago is None else ngettext(
            "%(n)s year ago", "%(n)s years ago", _plural(surgery.years_ago)) % {"n": f"{surgery.years_ago:g}"}
        level = surgery.level or gettext("level not known")
        rows.append(AnswerRow(section, question, f"{_value(surgery.procedure)}, {level}, {when}"))
    return rows


def _weeks(weeks: float) -> str:
    return ngettext("%(n)s week", "%(n)s weeks", _plural(weeks)) % {"n": f"{weeks:g}"}


def _plural(number: float) -> int:
    return 1 if number == 1 else 2
