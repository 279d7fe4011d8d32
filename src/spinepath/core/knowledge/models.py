"""The knowledge base's shapes: sources, the facts that cite them, procedures and conditions.

Every clinical statement a patient reads is a :class:`Fact` (or a :class:`Risk`) that names its sources and the
strength tag that ``spec/clinical-evidence.md`` gives it. Facts from practice pages (P) or secondary summaries (S)
are *weak*: interfaces must show :attr:`Fact.flag` beside them. Plain-language prose (summaries, how a procedure
is done) is a plain string and carries no figures of its own.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..errors import KnowledgeError

__all__ = [
    "CONDITION_IDS",
    "Condition",
    "Fact",
    "KnowledgeBase",
    "Milestone",
    "Procedure",
    "Risk",
    "Source",
    "SourceKind",
    "Strength",
    "Variant",
]

Strength = Literal["G", "T", "P", "S"]
SourceKind = Literal["guideline", "trial", "practice", "secondary"]

CONDITION_IDS: tuple[str, ...] = (
    "lumbar_disc_herniation",
    "lumbar_spinal_stenosis",
    "degenerative_spondylolisthesis",
    "degenerative_disc_disease",
    "nonspecific_low_back_pain",
    "cauda_equina_syndrome",
)

_WEAK_STRENGTHS: frozenset[str] = frozenset({"P", "S"})

# Shown beside weak facts; wording follows the source tags of clinical-evidence.md.
_DEFAULT_FLAGS: dict[str, str] = {
    "P": "From practice or patient-information pages, not from trials.",
    "S": "From a secondary summary, not checked against the original source.",
}

Text = Annotated[str, Field(min_length=1)]
_T = TypeVar("_T")


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Source(_Model):
    """A citable reference. ``kind`` mirrors the evidence tags: guideline/regulator/payer (G), trial, cohort or
    meta-analysis (T), practice or patient-information page (P), secondary summary (S)."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: Text
    citation: Text
    url: str = Field(pattern=r"^https?://\S+$")
    kind: SourceKind


class _Evidenced(_Model):
    """What every fact-like entry shares: who says so, and how strongly."""

    sources: list[str] = Field(min_length=1)
    strength: Strength
    weak: bool
    caveat: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _derive_weak(cls, data: Any) -> Any:
        # P and S facts are weak by definition, so the data files need not repeat it.
        if isinstance(data, dict) and "weak" not in data:
            return {**data, "weak": data.get("strength") in _WEAK_STRENGTHS}
        return data

    @model_validator(mode="after")
    def _weak_is_explained(self) -> _Evidenced:
        if self.strength in _WEAK_STRENGTHS and not self.weak:
            raise ValueError(
                f"a fact tagged {self.strength} is weak by definition: remove 'weak: false' "
                "(clinical-evidence.md: P and S are patient-facing wording only)"
            )
        if self.weak and self.strength not in _WEAK_STRENGTHS and not self.caveat:
            raise ValueError(f"a weak fact tagged {self.strength} needs a 'caveat' saying why it is weak")
        return self

    @property
    def flag(self) -> str | None:
        """The warning to show beside a weak fact, or ``None`` when it needs none."""
        if not self.weak:
            return None
        return self.caveat or _DEFAULT_FLAGS[self.strength]


class Fact(_Evidenced):
    """One statement from the evidence, in plain words, with its sources."""

    text: Text


class Risk(_Evidenced):
    """A complication or downside, with its rate worded as the evidence gives it."""

    name: Text
    rate: Text


class Milestone(_Evidenced):
    """A point in recovery, as days after the operation: from ``from_days`` to ``to_days`` (equal when the
    evidence gives one figure, such as a mean or a median). ``as_published`` is the figure in the source's own
    words and units ("1–2 weeks", "0.7±1.2 days"); the days are only that figure converted, never an estimate.
    Where sources disagree, the range spans them and ``as_published`` names both."""

    label: Text
    from_days: float = Field(ge=0)
    to_days: float = Field(ge=0)
    as_published: Text

    @model_validator(mode="after")
    def _range_runs_forwards(self) -> Milestone:
        if self.from_days > self.to_days:
            raise ValueError(
                f"{self.label!r}: from_days ({self.from_days}) is after to_days ({self.to_days}); "
                "give the earlier figure first"
            )
        return self


class Variant(_Model):
    """A way of doing a procedure that has its own evidence (e.g. tubular microdiscectomy)."""

    name: Text
    summary: Text
    facts: list[Fact] = []
    risks: list[Risk] = []
    not_known: list[str] = []


class Procedure(_Model):
    """A treatment option. A ``None`` fact means the evidence has nothing on it; ``not_known`` says so in words
    where the evidence marks a gap (NOT FOUND, UNVERIFIED, not sourced). The six perioperative facts have no
    default, so a data file must say ``null`` on purpose rather than forget one."""

    id: str
    name: Text
    short_name: Text
    also_known_as: list[str] = []
    summary: Text
    who_it_suits: list[Fact] = []
    how_it_is_done: Text
    anaesthesia: Fact | None
    typical_duration: Fact | None
    incision: Fact | None
    setting_and_stay: Fact | None
    return_to_activity: Fact | None
    return_to_work: Fact | None
    benefits: list[Fact] = []
    risks: list[Risk] = []
    variants: list[Variant] = []
    alternatives: list[str] = []
    related_conditions: list[str] = []
    not_known: list[str] = []
    # Sourced recovery milestones, in the order they happen; empty when the evidence has no absolute figures.
    timeline: list[Milestone] = []


class Condition(_Model):
    """A diagnosis a person may have been given, explained for them."""

    id: str
    name: Text
    also_known_as: list[str] = []
    summary: Text
    symptoms: list[Fact] = []
    how_it_is_diagnosed: list[Fact] = []
    natural_history: list[Fact] = []
    treatment_options: list[str] = []
    treatment_facts: list[Fact] = []
    when_to_seek_urgent_care: list[Fact] = []
    sources: list[str] = []
    not_known: list[str] = []


class KnowledgeBase(_Model):
    """The validated knowledge base; build it with :func:`spinepath.core.knowledge.validate`. The dicts keep
    the order of the data files (procedures in the order of ``spinepath.core.assessment.PROCEDURE_IDS``)."""

    sources: dict[str, Source]
    procedures: dict[str, Procedure]
    conditions: dict[str, Condition]

    @model_validator(mode="after")
    def _timeline_sources_exist(self) -> KnowledgeBase:
        # Raised as KnowledgeError (not ValueError) so that it reaches start-up as the knowledge base's own error.
        unknown = [
            f"procedures.yaml, procedure {p.id!r} (/timeline/{i}/sources/{j}): unknown source id {sid!r}"
            f"{did_you_mean(sid, self.sources)}"
            for p in self.procedures.values()
            for i, milestone in enumerate(p.timeline)
            for j, sid in enumerate(milestone.sources)
            if sid not in self.sources
        ]
        if unknown:
            lines = "\n".join(f"  - {problem}" for problem in unknown)
            raise KnowledgeError(f"The knowledge base is inconsistent ({len(unknown)} problem(s)):\n{lines}")
        return self

    def source(self, source_id: str) -> Source:
        return _lookup(self.sources, source_id, "source")

    def procedure(self, procedure_id: str) -> Procedure:
        return _lookup(self.procedures, procedure_id, "procedure")

    def condition(self, condition_id: str) -> Condition:
        return _lookup(self.conditions, condition_id, "condition")


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` for the closest known name, or an empty string."""
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _lookup(table: dict[str, _T], key: str, what: str) -> _T:
    try:
        return table[key]
    except KeyError:
        raise KnowledgeError(f"unknown {what} id {key!r}{did_you_mean(key, table)}") from None
