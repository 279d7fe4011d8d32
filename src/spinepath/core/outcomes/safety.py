"""Post-operative safety screening: answers that suggest a complication or a red flag after spine surgery
(new weakness, bladder or bowel change, saddle numbness, fever, a wound problem) → an alert level and advice.

The questions and rules are data (``data/safety.yaml``), each rule with its sources. Three-valued on purpose: an
answer is ``True``, ``False`` or ``None`` (not answered), and ``None`` is never read as "no":

- any rule whose questions are all answered "yes" raises its level (the highest wins: emergency > urgent);
- with no alert, the result is ``routine`` only when every question was answered "no"; otherwise it is
  ``incomplete``, names the unanswered questions and asks for them. The safety net is shown in every result.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..assessment import SAFETY_NET
from ..errors import FieldProblem
from .errors import AnswerError
from .models import Evidence, Identifier, Text

__all__ = ["AlertLevel", "SafetyAlert", "SafetyQuestion", "SafetyResult", "SafetyRule", "SafetyScreen", "screen"]

AlertLevel = Literal["emergency", "urgent", "routine", "incomplete"]
_RANK: dict[str, int] = {"emergency": 0, "urgent": 1}

ADVICE_INCOMPLETE = (
    "Please answer every question: we cannot tell whether you need care until you do. If you have any of these "
    "problems now, do not wait for this form."
)
ADVICE_ROUTINE = "You report none of these warning signs. Keep to the plan your surgical team gave you."


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class SafetyQuestion(_Model):
    id: Identifier
    text: Text


class SafetyLevel(_Model):
    advice: Text


class SafetyRule(_Model):
    """Raises ``level`` when every question in ``when`` is answered "yes"."""

    id: str = Field(pattern=r"^post_op\.[a-z_]+$")
    level: Literal["emergency", "urgent"]
    when: list[Identifier] = Field(min_length=1)
    title: Text
    explanation: Text
    evidence: Evidence


class SafetyScreen(_Model):
    """The screen as loaded from ``data/safety.yaml`` (rules in the order they are shown)."""

    questions: list[SafetyQuestion] = Field(min_length=1)
    levels: dict[Literal["emergency", "urgent"], SafetyLevel]
    rules: list[SafetyRule] = Field(min_length=1)

    @model_validator(mode="after")
    def _rules_name_questions(self) -> SafetyScreen:
        ids = [q.id for q in self.questions]
        if len(set(ids)) != len(ids):
            raise ValueError("safety question ids must be unique")
        for rule in self.rules:
            unknown = [q for q in rule.when if q not in ids]
            if unknown:
                raise ValueError(f"safety rule {rule.id!r} names unknown questions {unknown}")
        missing_levels = {"emergency", "urgent"} - set(self.levels)
        if missing_levels:
            raise ValueError(f"safety.yaml: advice missing for levels {sorted(missing_levels)}")
        return self


class SafetyAlert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rule: str
    level: Literal["emergency", "urgent"]
    title: str
    explanation: str
    sources: tuple[str, ...]
    flag: str | None


class SafetyResult(BaseModel):
    """``level`` and ``advice`` first; ``alerts`` say why; ``unanswered`` lists questions still to ask."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: AlertLevel
    advice: str
    alerts: tuple[SafetyAlert, ...]
    unanswered: tuple[str, ...]
    complete: bool
    safety_net: str


def screen(answers: Mapping[str, bool | None], safety: SafetyScreen | None = None) -> SafetyResult:
    """Screen one set of post-operative answers (question id → ``True``/``False``/``None``).

    Raises :class:`AnswerError` naming every unknown question id or non-boolean answer."""
    if safety is None:
        from .catalogue import load_catalogue  # here: the catalogue imports this module

        safety = load_catalogue().safety
    known = [q.id for q in safety.questions]
    problems = [FieldProblem(f"/{key}", "unknown question") for key in answers if key not in known]
    problems += [
        FieldProblem(f"/{key}", "expected true, false or null (not answered)")
        for key, value in answers.items()
        if key in known and value is not None and not isinstance(value, bool)
    ]
    if problems:
        raise AnswerError(problems)

    alerts = tuple(
        SafetyAlert(
            rule=rule.id, level=rule.level, title=rule.title, explanation=rule.explanation,
            sources=tuple(rule.evidence.sources), flag=rule.evidence.flag,
        )
        for rule in safety.rules
        if all(answers.get(q) is True for q in rule.when)
    )
    unanswered = tuple(q for q in known if answers.get(q) is None)
    if alerts:
        alerts = tuple(sorted(alerts, key=lambda a: _RANK[a.level]))  # stable: data order within a level
        level: AlertLevel = alerts[0].level
        advice = safety.levels[alerts[0].level].advice
    elif unanswered:
        level, advice = "incomplete", ADVICE_INCOMPLETE
    else:
        level, advice = "routine", ADVICE_ROUTINE
    return SafetyResult(
        level=level, advice=advice, alerts=alerts, unanswered=unanswered, complete=not unanswered,
        safety_net=SAFETY_NET,
    )
