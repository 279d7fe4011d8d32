"""The input contract ``spinepath.intake/1`` (spec/assessment.md §1).

Every clinical field may be missing or ``null``, which means *unknown*; unknown is never read as "no".
Validation is strict and total: no coercion (``"no"`` is not ``false``, ``47.0`` is not an integer age),
unknown keys are rejected (a misspelt ``bladder_dysfuntion`` must not vanish), and every offending field is
reported by JSON pointer through :func:`parse_intake`.
"""

from __future__ import annotations

import difflib
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    ValidationError,
    field_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from .errors import FieldProblem, IntakeError

__all__ = [
    "ConservativeCareEntry",
    "Finding",
    "History",
    "ImagingStudy",
    "Intake",
    "Level",
    "Patient",
    "PriorSurgery",
    "RedFlags",
    "Symptoms",
    "intake_problems",
    "parse_intake",
]

INTAKE_SCHEMA_ID = "spinepath.intake/1"

Level = Literal["L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1"]
LEVELS: tuple[Level, ...] = ("L1-L2", "L2-L3", "L3-L4", "L4-L5", "L5-S1")

Nrs = Annotated[float, Field(ge=0, le=10, description="Numeric rating scale 0-10, worst in the last week")]
NonNegative = Annotated[float, Field(ge=0)]


class _Part(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Patient(_Part):
    age: Annotated[int, Field(le=120, description="Years. Adults only: under 18 is rejected.",
                              json_schema_extra={"minimum": 18})] | None = None
    sex: Literal["female", "male", "other"] | None = None
    height_cm: Annotated[float, Field(gt=50, le=260)] | None = None
    weight_kg: Annotated[float, Field(gt=20, le=400)] | None = None

    @field_validator("age")
    @classmethod
    def _adults_only(cls, age: int | None) -> int | None:
        if age is not None and age < 18:
            raise ValueError(
                "spinepath is for adults (18 or over); a child or teenager with back pain should be seen by "
                "a paediatric spine service"
            )
        return age


class Symptoms(_Part):
    back_pain: Nrs | None = None
    leg_pain: Nrs | None = None
    leg_pain_side: Literal["none", "left", "right", "both"] | None = None
    leg_pain_below_knee: bool | None = None
    duration_weeks: NonNegative | None = None
    claudication: bool | None = None
    walking_tolerance_minutes: NonNegative | None = None
    can_walk_10_feet_unaided: bool | None = None
    numbness: bool | None = None
    weakness_grade: Annotated[int, Field(ge=0, le=5, description="MRC/Oxford 0-5; 5 = normal")] | None = None
    weakness_progressing: bool | None = None
    bilateral_sciatica: bool | None = None
    hip_or_groin_pain: bool | None = None
    peripheral_arterial_disease: bool | None = None
    hand_symptoms_or_imbalance: bool | None = None


class RedFlags(_Part):
    saddle_anaesthesia: bool | None = None
    bladder_dysfunction: bool | None = None
    bowel_dysfunction: bool | None = None
    sexual_dysfunction: bool | None = None
    fever: bool | None = None
    iv_drug_use: bool | None = None
    immunosuppression: bool | None = None
    recent_infection: bool | None = None
    cancer_history: bool | None = None
    unexplained_weight_loss: bool | None = None
    night_pain: bool | None = None
    significant_trauma: bool | None = None
    osteoporosis: bool | None = None
    long_term_steroids: bool | None = None


ConservativeCareKind = Literal[
    "physiotherapy",
    "home_exercise",
    "analgesics",
    "nsaids",
    "neuropathic_medication",
    "epidural_injection",
    "activity_modification",
    "manual_therapy",
    "other",
]
CareOutcome = Literal["no_relief", "partial_relief", "good_relief"]


class ConservativeCareEntry(_Part):
    kind: ConservativeCareKind | None = None
    weeks: NonNegative | None = None
    outcome: CareOutcome | None = None


Modality = Literal["mri", "ct", "ct_myelogram", "xray", "xray_flexion_extension"]
FindingKind = Literal[
    "disc_herniation",
    "central_stenosis",
    "lateral_recess_stenosis",
    "foraminal_stenosis",
    "ligamentum_flavum_hypertrophy",
    "spondylolisthesis",
    "dynamic_instability",
    "degenerative_disc",
    "facet_arthropathy",
    "synovial_cyst",
    "scoliosis",
    "fracture",
    "tumour",
    "infection",
]


class Finding(_Part):
    level: Level | None = None
    kind: FindingKind | None = None
    side: Literal["left", "right", "central", "bilateral"] | None = None
    severity: Literal["mild", "moderate", "severe"] | None = None
    ligamentum_flavum_mm: Annotated[float, Field(ge=0, le=30)] | None = None
    grade: Annotated[int, Field(ge=1, le=4, description="Meyerding grade")] | None = None
    slip_type: Literal["degenerative", "isthmic"] | None = None
    translation_mm: Annotated[float, Field(ge=0, le=100)] | None = None
    cobb_degrees: Annotated[float, Field(ge=0, le=180)] | None = None
    herniation_type: Literal["protrusion", "extrusion", "sequestration"] | None = None


class ImagingStudy(_Part):
    modality: Modality | None = None
    months_ago: NonNegative | None = None
    findings: list[Finding] | None = None


class PriorSurgery(_Part):
    level: Level | None = None
    procedure: Literal["discectomy", "decompression", "fusion", "mild", "other"] | None = None
    years_ago: NonNegative | None = None


class History(_Part):
    prior_lumbar_surgery: list[PriorSurgery] | None = None
    asa_class: Annotated[int, Field(ge=1, le=5)] | None = None
    diabetes: bool | None = None
    hba1c_percent: Annotated[float, Field(ge=3, le=20)] | None = None
    smoker: bool | None = None
    anticoagulants: bool | None = Field(default=None, description="Takes anticoagulants that cannot be paused")
    bleeding_disorder: bool | None = None
    pregnant: bool | None = None
    bone_density_t_score: Annotated[float, Field(ge=-10, le=10)] | None = None


class NullSectionIsUnknown:
    """A whole section given as null means "all of it unknown", not "invalid": ``null`` becomes the empty section.

    Done after validation (null is let through, then replaced), not with a before-validator: a before-validator
    makes pydantic turn the section's JSON into Python objects before validating it, which took a third of the
    parse time. The JSON Schema shows the section itself (``spinepath.schemas`` adds the null).
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: type[_Part], handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        def empty_if_null(value: _Part | None) -> _Part:
            return source() if value is None else value

        return core_schema.no_info_after_validator_function(empty_if_null, core_schema.nullable_schema(handler(source)))

    @classmethod
    def __get_pydantic_json_schema__(cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
                                     ) -> JsonSchemaValue:
        section, _null = handler(schema)["anyOf"]
        return section  # type: ignore[no-any-return]


class Intake(_Part):
    """One adult's facts. ``None`` anywhere means unknown."""

    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        frozen=True,
        title="spinepath.intake/1",
        populate_by_name=True,
    )

    schema_: Literal["spinepath.intake/1"] = Field(alias="schema", serialization_alias="schema")
    patient: Annotated[Patient, NullSectionIsUnknown] = Field(default_factory=Patient)
    symptoms: Annotated[Symptoms, NullSectionIsUnknown] = Field(default_factory=Symptoms)
    red_flags: Annotated[RedFlags, NullSectionIsUnknown] = Field(default_factory=RedFlags)
    conservative_care: list[ConservativeCareEntry] | None = None
    imaging: list[ImagingStudy] | None = None
    history: Annotated[History, NullSectionIsUnknown] = Field(default_factory=History)


def _pointer(loc: tuple[int | str, ...]) -> str:
    parts = ["schema" if part == "schema_" else str(part) for part in loc]
    return "".join("/" + p.replace("~", "~0").replace("/", "~1") for p in parts)


def _known_keys(model: type[BaseModel], loc: tuple[int | str, ...]) -> list[str]:
    """The keys allowed at the parent of ``loc``, to suggest the intended spelling of an unknown key."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = current.model_fields.get("schema_" if part == "schema" else part)
        if field is None:
            return []
        annotation = field.annotation
        current = _model_in(annotation)
        if current is None:
            return []
    return ["schema" if name == "schema_" else name for name in current.model_fields]


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _message(error: Any, pointer: str) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(error["loc"][-1])
        close = difflib.get_close_matches(key, _known_keys(Intake, tuple(error["loc"])), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown field '{key}'{hint}"
    if kind == "missing" and pointer == "/schema":
        return "required: the document must say \"schema\": \"spinepath.intake/1\""
    if kind == "literal_error" and pointer == "/schema":
        return f"must be \"{INTAKE_SCHEMA_ID}\" (this engine reads version 1 of the intake contract)"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if "input" in error and kind not in {"missing"}:
        given = error["input"]
        if not isinstance(given, (dict, list)):
            message += f" (got {given!r})"
    return message


def intake_problems(exc: ValidationError) -> list[FieldProblem]:
    """Every problem in a pydantic ``ValidationError``, each located by JSON pointer."""
    problems = []
    for error in exc.errors(include_url=False):
        if error["type"] == "json_invalid":
            problems.append(FieldProblem("", f"not valid JSON: {error['msg']}"))
            continue
        pointer = _pointer(tuple(error["loc"]))
        problems.append(FieldProblem(pointer, _message(error, pointer)))
    return problems


def parse_intake(document: str | bytes | dict[str, Any]) -> Intake:
    """Validate a JSON text or an already-parsed object as ``spinepath.intake/1``.

    Raises :class:`IntakeError` naming every offending field; nothing is guessed or half-processed.
    """
    try:
        if isinstance(document, dict):
            return Intake.model_validate(document)
        if not isinstance(document, (str, bytes)):
            raise IntakeError([FieldProblem("", "the intake must be a JSON object")])
        intake: Intake = Intake.__pydantic_validator__.validate_json(document)  # model_validate_json, one call less
        return intake
    except ValidationError as exc:
        raise IntakeError(intake_problems(exc)) from exc
