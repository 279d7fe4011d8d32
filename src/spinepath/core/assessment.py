"""The output contract ``spinepath.assessment/1`` (spec/assessment.md §2)."""

from __future__ import annotations

from enum import IntEnum
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from .intake import Level

__all__ = [
    "PROCEDURE_IDS",
    "STATUS_LABELS",
    "Assessment",
    "NextStep",
    "ProcedureAssessment",
    "ProcedureId",
    "Reason",
    "RedFlag",
    "RiskFactor",
    "Status",
    "StatusRank",
    "Urgency",
]

ASSESSMENT_SCHEMA_ID: Final = "spinepath.assessment/1"

SAFETY_NET = (
    "Go to an emergency department now if you get numbness between your legs or around your bottom, new trouble "
    "passing or holding urine or stool, or weakness in your legs that gets worse."
)
DISCLAIMER = (
    "spinepath supports a clinician's decision and never replaces one. This is not a diagnosis or medical advice: "
    "every status here is for a specialist to confirm."
)

Urgency = Literal["emergency", "urgent", "routine"]
NextStep = Literal[
    "emergency_department", "urgent_specialist_review", "conservative_care", "imaging", "specialist_consultation"
]
Status = Literal["candidate", "possible", "not_candidate", "insufficient_information"]
ProcedureId = Literal[
    "conservative_care", "mild", "microdiscectomy", "endoscopic_discectomy", "mis_decompression", "mis_tlif",
    "open_surgery",
]
PROCEDURE_IDS: tuple[ProcedureId, ...] = (
    "conservative_care", "mild", "microdiscectomy", "endoscopic_discectomy", "mis_decompression", "mis_tlif",
    "open_surgery",
)


class StatusRank(IntEnum):
    """Statuses ordered so that ``min`` implements the spec's precedence
    (not_candidate > insufficient_information > possible > candidate): every rule *caps* the status."""

    NOT_CANDIDATE = 0
    INSUFFICIENT_INFORMATION = 1
    POSSIBLE = 2
    CANDIDATE = 3

    @property
    def status(self) -> Status:
        return _STATUS_OF_RANK[self]


_STATUS_OF_RANK: dict[StatusRank, Status] = {
    StatusRank.NOT_CANDIDATE: "not_candidate",
    StatusRank.INSUFFICIENT_INFORMATION: "insufficient_information",
    StatusRank.POSSIBLE: "possible",
    StatusRank.CANDIDATE: "candidate",
}

# Patient-facing labels (spec §2). open_surgery's not_candidate has its own wording.
STATUS_LABELS: dict[Status, str] = {
    "candidate": "may be suitable — a specialist decides",
    "possible": "might be suitable — needs a specialist's judgement first",
    "not_candidate": "not suitable now",
    "insufficient_information": "we can't tell yet",
}
OPEN_SURGERY_NOT_CANDIDATE_LABEL = "not needed: a less invasive option fits, or nothing needs surgery"


def status_label(procedure: ProcedureId, status: Status) -> str:
    if procedure == "open_surgery" and status == "not_candidate":
        return OPEN_SURGERY_NOT_CANDIDATE_LABEL
    return STATUS_LABELS[status]


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Reason(_Out):
    rule: str = Field(description="Id of the rule in the ruleset that gave this reason")
    text: str
    source: str = Field(description="Source id (spec §4 / knowledge base sources)")


class RedFlag(_Out):
    id: str
    title: str
    explanation: str
    source: str


class RiskFactor(_Out):
    id: str
    text: str
    source: str


class ProcedureAssessment(_Out):
    procedure: ProcedureId
    status: Status
    levels: list[Level] = Field(description="Where the procedure would act, when known")
    reasons: list[Reason] = Field(min_length=1)
    missing: list[str] = Field(description="JSON pointers of intake fields that would change this status")


class Assessment(_Out):
    model_config = ConfigDict(extra="forbid", frozen=True, title="spinepath.assessment/1", populate_by_name=True)

    schema_: Literal["spinepath.assessment/1"] = Field(
        default=ASSESSMENT_SCHEMA_ID, alias="schema", serialization_alias="schema"
    )
    ruleset_version: str
    urgency: Urgency
    next_step: NextStep
    red_flags: list[RedFlag]
    procedures: list[ProcedureAssessment] = Field(min_length=7, max_length=7)
    risk_factors: list[RiskFactor]
    missing_information: list[str]
    advice: str
    safety_net: str | None = Field(default=None, description="Present in every result that is not an emergency")
    disclaimer: str

    def to_json(self) -> str:
        """The contract JSON: ``schema`` key, no ``safety_net`` in an emergency."""
        return self.model_dump_json(by_alias=True, exclude_none=True)

    def to_dict(self) -> dict[str, object]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
