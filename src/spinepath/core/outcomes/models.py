"""The shapes of the outcome instruments: sources, items and answer options, scoring and missing-item rules,
interpretation bands, change criteria (MCID and success definitions), licence terms and value sets (EQ-5D-5L); and
the typed results (:class:`Score` with the :class:`Reason` for anything missing, :class:`Change`).

Every number in the data files comes from ``instruments-evidence.md`` with its source and the strength tag the
evidence gives it: **O** owner or official distributor, **T** peer-reviewed study, **S** secondary summary,
**C** public code repository (never authoritative). ``status`` says how sure the fact is: ``sourced``;
``unverified`` (the evidence marks it UNVERIFIED or could read only part of the source); ``derived`` (computed
from a sourced rule, as the evidence's DERIVED test vectors); ``policy`` (a choice spinepath makes where the
sources are silent, for the clinical owner to confirm). Anything but ``sourced`` needs a ``caveat`` in words.

Item text is optional on purpose: instruments whose licence does not let an open-source project ship their
wording carry structure, codes and scoring only (``text`` and ``label`` are ``None``), and get their wording
from a deployer-supplied file (:mod:`spinepath.core.outcomes.texts`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from fractions import Fraction
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AnswerOption",
    "Band",
    "Change",
    "Coding",
    "CoursePoint",
    "Criterion",
    "CriterionResult",
    "Evidence",
    "Instrument",
    "Item",
    "Licence",
    "MissingRule",
    "Reason",
    "ReasonCode",
    "Score",
    "ScoringRule",
    "Source",
    "Subscale",
    "SubscaleScore",
    "ValueSet",
]

Strength = Literal["O", "G", "T", "S", "C"]
Status = Literal["sourced", "unverified", "derived", "policy"]
Text = Annotated[str, Field(min_length=1)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
SourceId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]

_WEAK: frozenset[str] = frozenset({"S", "C"})
_FLAGS: dict[str, str] = {
    "S": "From a secondary summary, not checked against the original source.",
    "C": "From a public code repository: useful for checking, never authoritative.",
}


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Source(_Model):
    """A citable reference from ``instruments-evidence.md``. ``kind`` mirrors its tags: owner / developer /
    official distributor (O), peer-reviewed study (T), secondary summary (S), public code repository (C).
    ``url`` is ``None`` only where the evidence found none, and then ``note`` says so."""

    id: SourceId
    title: Text
    citation: Text
    url: Annotated[str, Field(pattern=r"^https?://\S+$")] | None
    kind: Literal["owner", "study", "secondary", "code"]
    note: str | None = None

    @model_validator(mode="after")
    def _missing_url_is_explained(self) -> Source:
        if self.url is None and not self.note:
            raise ValueError("a source without a url needs a 'note' saying why (e.g. 'no URL found')")
        return self


class Evidence(_Model):
    """Who says so, how strongly, and how sure we are. A ``policy`` needs no source but must say why. ``G`` (guideline)
    is the tag of the knowledge base's red-flag sources (clinical-evidence.md), cited by the safety screen."""

    sources: list[SourceId] = []
    strength: Strength | None = None
    status: Status = "sourced"
    caveat: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Evidence:
        if self.status != "policy" and not self.sources:
            raise ValueError(f"a {self.status} fact needs at least one source (only a 'policy' may have none)")
        if self.sources and self.strength is None:
            raise ValueError("a fact with sources needs its 'strength' tag (O, T, S or C)")
        if self.status != "sourced" and not self.caveat:
            raise ValueError(f"a {self.status} fact needs a 'caveat' saying what is not settled")
        return self

    @property
    def weak(self) -> bool:
        """Secondary or code-repository facts, and anything not simply sourced, are shown with a flag."""
        return self.strength in _WEAK or self.status != "sourced"

    @property
    def flag(self) -> str | None:
        if self.caveat:
            return self.caveat
        return _FLAGS.get(self.strength or "") if self.weak else None


class Coding(_Model):
    """A code from a terminology. Only codes the evidence names are used (LOINC: pain 72514-3, ODI panel
    97908-8 and score 97909-6); no display text is invented for them."""

    system: Literal["http://loinc.org"]
    code: Annotated[str, Field(pattern=r"^\d{1,7}-\d$")]
    evidence: Evidence


class AnswerOption(_Model):
    """One answer to a choice item: the stored ``code``, the ``points`` it contributes to the score (the
    scoring rule as data, e.g. STarT Back item 9 'very much' → 1; COMI's five steps → 0, 2.5, 5, 7.5, 10),
    and its wording, ``None`` where the licence keeps it out of the repository."""

    code: int
    points: float
    label: str | None = None


class Item(_Model):
    """One question. ``kind``: ``choice`` (one of ``options``), ``integer`` (``minimum``..``maximum``, e.g. an
    NRS) or ``tick`` (a statement ticked when it applies: 1 ticked, 0 not, as the RMDQ). ``topic`` is a short
    descriptor safe to ship for every instrument (e.g. an ODI section name); ``text`` is the question's own
    wording. ``multiple_marks``: what two marks on one item mean ('highest' for the ODI, per its owner)."""

    id: Identifier
    number: Text
    topic: Text
    text: str | None = None
    kind: Literal["choice", "integer", "tick"]
    options: list[AnswerOption] = []
    minimum: int | None = None
    maximum: int | None = None
    unit: str | None = None
    anchors: dict[str, str] | None = None  # wording at the ends of an integer scale, e.g. {"0": "no pain"}
    multiple_marks: Literal["invalid", "highest"] = "invalid"
    post_treatment_only: bool = False
    codes: list[Coding] = []

    @model_validator(mode="after")
    def _shape(self) -> Item:
        if self.kind == "choice":
            if len(self.options) < 2:
                raise ValueError(f"item {self.id!r}: a choice item needs at least two options")
            codes = [o.code for o in self.options]
            if len(set(codes)) != len(codes):
                raise ValueError(f"item {self.id!r}: answer codes must be unique")
            if self.minimum is not None or self.maximum is not None:
                raise ValueError(f"item {self.id!r}: a choice item takes its range from its options")
        elif self.kind == "integer":
            if self.options or self.minimum is None or self.maximum is None or self.minimum >= self.maximum:
                raise ValueError(f"item {self.id!r}: an integer item needs minimum < maximum and no options")
        elif self.options or self.minimum is not None or self.maximum is not None:
            raise ValueError(f"item {self.id!r}: a tick item has no options and no range (1 ticked, 0 not)")
        if self.multiple_marks == "highest" and self.kind != "choice":
            raise ValueError(f"item {self.id!r}: 'highest of several marks' only applies to choice items")
        return self

    @property
    def codes_allowed(self) -> tuple[int, ...]:
        if self.kind == "choice":
            return tuple(o.code for o in self.options)
        if self.kind == "tick":
            return (0, 1)
        assert self.minimum is not None and self.maximum is not None  # checked in _shape
        return tuple(range(self.minimum, self.maximum + 1))

    def points(self, code: int) -> float:
        """The points a valid ``code`` contributes (the code itself for integer and tick items)."""
        for option in self.options:
            if option.code == code:
                return option.points
        return float(code)

    @property
    def has_text(self) -> bool:
        return self.text is not None or any(o.label is not None for o in self.options) or bool(self.anchors)


class Subscale(_Model):
    """A part of an instrument scored on its own (ZCQ domains, STarT Back distress, PROMIS domains)."""

    id: Identifier
    name: Text
    items: list[Identifier] = Field(min_length=1)
    minimum: float
    maximum: float
    higher_is_better: bool
    max_missing: int = Field(ge=0)
    missing: Evidence
    post_treatment_only: bool = False


class ScoringRule(_Model):
    """How the instrument is scored. ``method`` names the pure function that implements it (one per
    instrument, in :mod:`spinepath.core.outcomes.scoring`); ``parameters`` are its constants, kept here so a
    threshold is written in one place. ``minimum``/``maximum`` bound the total (``None`` when the instrument
    has no total, as the ZCQ and PROMIS-29, or when the bound depends on a value set, as the EQ-5D-5L index's
    minimum)."""

    method: Identifier
    description: Text
    minimum: float | None
    maximum: float | None
    unit: Text
    higher_is_better: bool
    display_decimals: int = Field(default=0, ge=0, le=4)
    parameters: dict[str, float] = {}
    evidence: Evidence


class MissingRule(_Model):
    """What happens when items are not answered: stated in words, with the numbers the scorer reads."""

    description: Text
    min_answered: int | None = Field(default=None, ge=1)
    evidence: Evidence


class Band(_Model):
    """An interpretation band: a value belongs to the first band whose ``up_to`` it does not exceed (so a
    boundary value belongs to the lower band). Bands may cover only part of the range (values above the last
    band have none). ``on`` names a subscale when the band reads a subscale, not the total."""

    label: Text
    up_to: float
    on: Identifier | None = None
    evidence: Evidence


class Criterion(_Model):
    """A threshold for calling a change important: an MCID (``role: mcid``) or a success definition.

    Met when the improvement (in the instrument's better direction) reaches ``absolute`` points, **or** the
    improvement as a share of baseline reaches ``percent`` (``combine: any``; ``all`` requires both), **or**,
    for ratings made only after treatment, when the follow-up value is at most ``follow_up_at_most`` (lower is
    better there, e.g. GPE 'much better' or ZCQ satisfaction ≤ 2.5). ``population`` and ``timepoint`` say
    where the threshold was derived; do not use it elsewhere without saying so. ``scale: t_score`` marks a
    threshold on PROMIS T-scores, which applies only when T-scores are available."""

    id: Identifier
    name: Text
    role: Literal["mcid", "success"]
    subscale: Identifier | None = None
    absolute: float | None = Field(default=None, gt=0)
    percent: float | None = Field(default=None, gt=0, le=100)
    follow_up_at_most: float | None = None
    combine: Literal["any", "all"] = "any"
    scale: Literal["value", "t_score"] = "value"
    population: Text
    timepoint: str | None = None
    evidence: Evidence

    @model_validator(mode="after")
    def _has_a_threshold(self) -> Criterion:
        if self.absolute is None and self.percent is None and self.follow_up_at_most is None:
            raise ValueError(f"criterion {self.id!r}: give 'absolute', 'percent' or 'follow_up_at_most'")
        if self.follow_up_at_most is not None and (self.absolute is not None or self.percent is not None):
            raise ValueError(f"criterion {self.id!r}: a follow-up level cannot be combined with a change")
        return self

    @property
    def needs_baseline(self) -> bool:
        return self.follow_up_at_most is None


class Licence(_Model):
    """The terms for the instrument's wording. ``item_text_shipped`` is true only where the terms allow an
    open-source project to embed the text; ``statement`` is a copyright statement that must be reproduced
    unmodified wherever the text is shown; ``conditions`` are what a deployer must respect."""

    status: Literal["generic", "spinepath_wording", "free_non_commercial", "licence_required", "unknown"]
    holder: str | None
    summary: Text
    item_text_shipped: bool
    statement: str | None = None
    conditions: list[str] = []
    evidence: Evidence


class Instrument(_Model):
    """A questionnaire as data: its items, how it is scored, what missing answers mean, how to read the score,
    what change matters, and the licence of its wording."""

    id: Identifier
    name: Text
    short_name: Text
    version: Text
    description: Text
    purpose: Literal["outcome", "screening", "global_rating"]
    recall: str | None
    instructions: str | None = None
    panel_code: Coding | None = None
    score_code: Coding | None = None
    items: list[Item] = Field(min_length=1)
    subscales: list[Subscale] = []
    scoring: ScoringRule
    missing: MissingRule
    bands: list[Band] = []
    criteria: list[Criterion] = []
    primary_mcid: Identifier | None = None
    licence: Licence
    # Set when spinepath scores the instrument but never puts it on a form for patients, saying why (a 100 mm
    # VAS needs a line measured in millimetres; the EQ-5D-5L must be shown in EuroQol's licensed layout).
    scoring_only: str | None = None
    notes: list[Text] = []
    not_known: list[Text] = []
    evidence: Evidence
    # Set only on a copy built from a deployer's item-text file (never in the packaged data): where the wording
    # came from, and the PROMIS T-score tables (subscale id → T-score for each raw sum, lowest first).
    item_text_supplied_by: str | None = None
    t_score_tables: dict[str, tuple[float, ...]] = {}

    @model_validator(mode="after")
    def _references(self) -> Instrument:
        ids = [item.id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.id}: item ids must be unique")
        subscale_ids = {s.id for s in self.subscales}
        for subscale in self.subscales:
            unknown = [i for i in subscale.items if i not in ids]
            if unknown:
                raise ValueError(f"{self.id}: subscale {subscale.id!r} names unknown items {unknown}")
        criterion_ids = [c.id for c in self.criteria]
        if len(set(criterion_ids)) != len(criterion_ids):
            raise ValueError(f"{self.id}: criterion ids must be unique")
        for criterion in self.criteria:
            if criterion.subscale is not None and criterion.subscale not in subscale_ids:
                raise ValueError(f"{self.id}: criterion {criterion.id!r} names unknown subscale {criterion.subscale!r}")
        if self.primary_mcid is not None:
            primary = next((c for c in self.criteria if c.id == self.primary_mcid), None)
            if primary is None or primary.role != "mcid":
                raise ValueError(f"{self.id}: primary_mcid {self.primary_mcid!r} must name one of its mcid criteria")
        for band in self.bands:
            if band.on is not None and band.on not in subscale_ids:
                raise ValueError(f"{self.id}: band {band.label!r} reads unknown subscale {band.on!r}")
        if self.scoring_only is not None and self.item_text_supplied_by is not None:
            raise ValueError(f"{self.id}: scored only, so it takes no deployer-supplied wording")
        if not self.licence.item_text_shipped and self.item_text_supplied_by is None:
            if self.t_score_tables:
                raise ValueError(f"{self.id}: T-score tables are licensed with the wording; never ship them")
            with_text = [item.id for item in self.items if item.has_text]
            if with_text or self.instructions:
                raise ValueError(
                    f"{self.id}: its licence does not allow shipping item text, yet items {with_text} "
                    "(or 'instructions') carry wording; remove it and let the deployer supply it"
                )
        return self

    @property
    def has_item_text(self) -> bool:
        """True when every item carries its wording (shipped, or merged in from a deployer's file)."""
        return all(item.text is not None for item in self.items)

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)

    def subscale(self, subscale_id: str) -> Subscale:
        for subscale in self.subscales:
            if subscale.id == subscale_id:
                return subscale
        raise KeyError(subscale_id)

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        known = ", ".join(c.id for c in self.criteria) or "none"
        raise KeyError(f"{self.id} has no criterion {criterion_id!r} (known: {known})")


class ValueSet(_Model):
    """A country's value set for a preference-based index (the EQ-5D-5L's): a health state's value is
    ``1 − constant − Σ decrement(dimension, level)``, where the constant is subtracted for every state but full
    health (11111) and level 1 of every dimension costs nothing. ``decrements`` gives each dimension's decrement
    for levels 2, 3, 4 and 5, as published (positive numbers, subtracted). ``copied_from`` says exactly where the
    numbers were copied from and how they were checked. Values from different value sets are never comparable:
    a score records the set it used."""

    id: Identifier
    instrument: Identifier
    name: Text
    country: Text
    year: int = Field(ge=1990)
    constant: float = Field(default=0, ge=0)
    decrements: dict[Identifier, Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=4, max_length=4)]]
    copied_from: Text
    evidence: Evidence
    notes: list[Text] = []

    @model_validator(mode="after")
    def _decrements_rise_with_the_level(self) -> ValueSet:
        for dimension, values in self.decrements.items():
            if any(b < a for a, b in itertools.pairwise(values)):
                raise ValueError(f"value set {self.id!r}, {dimension}: a worse level cannot cost less than a "
                                 f"milder one ({values})")
        return self

    def index(self, levels: Mapping[str, int]) -> Fraction:
        """The exact value of a complete health state (dimension id → level 1-5): the decimal coefficients are
        summed as written, so 11112 in England's set is exactly 1 − 0.078 = 0.922."""
        state = [levels[dimension] for dimension in self.decrements]
        if not all(level in (1, 2, 3, 4, 5) for level in state):
            raise ValueError(f"levels must be 1-5, got {state}")
        if all(level == 1 for level in state):
            return Fraction(1)
        lost = Fraction(str(self.constant)) + sum(
            (Fraction(str(self.decrements[d][level - 2])) for d, level in zip(self.decrements, state, strict=True)
             if level > 1), Fraction(0))
        return 1 - lost


class CoursePoint(_Model):
    """One point of the typical course of a score after a procedure (``data/typical_course.yaml``): the mean
    change from before treatment that a study reports for one group of people, ``months`` after treatment.

    ``mean_change`` is follow-up minus baseline in the instrument's own units and direction (an improvement on a
    lower-is-better score is negative), with at most one decimal, as published. ``study`` is the study's short
    name (not translated); ``group`` says who the figure is about, in plain words (translated); ``n`` is the
    number of people in that group, only where the evidence gives it. ``as_published`` and ``arm_as_published``
    are the evidence's own words for the figure and the group, kept so that a test can find them there. A group's
    average is never a prediction for one person: whoever shows it must say so."""

    procedure: Identifier
    instrument: Identifier
    subscale: Identifier | None = None
    months: int = Field(ge=1)
    mean_change: float
    study: Text
    group: Text
    n: int | None = Field(default=None, ge=1)
    as_published: Text
    arm_as_published: Text
    evidence: Evidence

    @field_validator("mean_change")
    @classmethod
    def _as_published_precision(cls, value: float) -> float:
        # Shown with one decimal, as the evidence gives them: a figure with more would be rounded on the page.
        if round(value, 1) != value:
            raise ValueError(f"{value} has more than one decimal; the page shows one (extend the display first)")
        return value

    @property
    def where(self) -> str:
        """The entry named for an error message: procedure, instrument (and subscale), time and study."""
        measure = f"{self.instrument}/{self.subscale}" if self.subscale else self.instrument
        return f"{self.procedure}, {measure} at {self.months} months ({self.study})"


# ---- results ------------------------------------------------------------------------------------------------


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


ReasonCode = Literal[
    "single_item_unanswered",
    "odi_too_few_sections",
    "start_back_incomplete",
    "rmdq_incomplete",
    "post_treatment_only",
    "too_many_missing",
    "missing_allowed",
    "not_answered",
    "comi_domains_missing",
    "eq5d_dimension_missing",
    "unstructured",
]


class Reason(_Result):
    """Why a score is incomplete (or which allowed items were missing), as data an adapter can word in any
    language: a stable ``code``, the ``items`` it names (item ids), the ``subscales`` it names (COMI's missing
    domains), its ``counts`` (``answered``, ``total``, ``needed``, ``missing``, ``allowed``) and, when it concerns
    one subscale of a form (a ZCQ or PROMIS domain), that ``subscale``. ``text`` is the English sentence
    (:mod:`spinepath.core.outcomes.reasons` holds the wording). A reason stored by an older spinepath as plain
    English is read back as ``unstructured`` with that text."""

    code: ReasonCode
    items: tuple[str, ...] = ()
    subscales: tuple[str, ...] = ()
    counts: dict[str, int] = {}
    subscale: str | None = None
    text: str

    def __str__(self) -> str:
        return self.text

    @classmethod
    def read(cls, value: Any) -> Reason:
        """A reason as stored (a mapping, or the plain English string older versions stored)."""
        if isinstance(value, Reason):
            return value
        if isinstance(value, str):
            return cls(code="unstructured", text=value)
        return cls.model_validate(value)


def _reasons(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(Reason.read(v) for v in value)
    return value


class SubscaleScore(_Result):
    """One subscale's score: ``value`` is ``None`` when the missing-item rule does not allow a score.
    ``t_score`` is filled only for PROMIS domains when the deployer supplied the official conversion tables."""

    id: str
    name: str
    value: float | None
    complete: bool
    answered: int
    items: int
    t_score: float | None = None
    band: str | None = None
    reasons: tuple[Reason, ...] = ()

    @field_validator("reasons", mode="before")
    @classmethod
    def _read_reasons(cls, value: Any) -> Any:
        return _reasons(value)


class Score(_Result):
    """An instrument's score. ``value`` is the exact score (round only for display) or ``None``: no score is
    ever guessed. ``complete`` is false whenever the missing-item rule was not met, and ``reasons`` then says
    which items are missing and which rule applies. ``band`` is the interpretation band (for STarT Back: the
    risk group), never set for an incomplete form. ``value_set`` names the value set an index was computed
    with (EQ-5D-5L): index values from different value sets must never be mixed."""

    instrument: str
    version: str
    value: float | None
    complete: bool
    answered: int
    items: int
    band: str | None = None
    value_set: str | None = None
    subscales: tuple[SubscaleScore, ...] = ()
    reasons: tuple[Reason, ...] = ()
    notes: tuple[str, ...] = ()

    @field_validator("reasons", mode="before")
    @classmethod
    def _read_reasons(cls, value: Any) -> Any:
        return _reasons(value)

    def subscale(self, subscale_id: str) -> SubscaleScore:
        for subscale in self.subscales:
            if subscale.id == subscale_id:
                return subscale
        raise KeyError(subscale_id)


class CriterionResult(_Result):
    """Whether one criterion was met: ``None`` when it cannot be told (a score is missing, or the baseline is 0
    for a percentage): unknown is never read as 'not met'."""

    criterion: str
    role: Literal["mcid", "success"]
    met: bool | None
    reason: str


class Change(_Result):
    """Change from baseline on one instrument (or one of its subscales). ``difference`` is follow-up minus
    baseline in the instrument's own units; ``improvement`` has the sign turned so that positive is better
    whatever the instrument's direction; ``percent_improvement`` is improvement as a percentage of the
    baseline value (``None`` when the baseline is 0)."""

    instrument: str
    subscale: str | None
    baseline: float | None
    follow_up: float | None
    difference: float | None
    improvement: float | None
    percent_improvement: float | None
    higher_is_better: bool
    mcid_reached: bool | None
    criteria: tuple[CriterionResult, ...]

    def met(self, criterion_id: str) -> bool | None:
        for result in self.criteria:
            if result.criterion == criterion_id:
                return result.met
        raise KeyError(criterion_id)
