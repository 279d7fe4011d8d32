"""The instrument catalogue: the packaged instrument definitions, their sources, the post-operative safety screen
and the follow-up schedule, read from ``data/`` and checked once, when first loaded.

A definition citing an unknown source, a misspelt field, a scoring method with no implementation, or licensed
wording where the licence forbids it fails at start-up with an :class:`OutcomeDataError` that lists every problem,
never in front of a patient. :func:`validate` is the pure check on already-parsed data.

What is offered to patients is decided by :func:`offered_instruments`: instruments whose wording spinepath may
ship are always offered; the others only when the deployer supplied their wording
(:func:`spinepath.core.outcomes.texts.load_item_texts`), and otherwise they are withheld with the reason. A few are
scored only and never offered (the 100 mm pain VAS, the EQ-5D-5L): their ``scoring_only`` says why.

Value sets (``data/value_sets.yaml``: the EQ-5D-5L's country value sets) are checked when loaded too: each names a
known instrument scored by a value set, gives a decrement for every level of every one of its dimensions, and cites
known sources.

So is the typical course after each procedure (``data/typical_course.yaml``: group-average changes from baseline
reported by studies): each point names one of the engine's procedures, a known instrument (and subscale), a change
that fits the instrument's scale, and known sources. :func:`typical_course` returns one procedure's points for one
score.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from importlib import resources
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from ..assessment import PROCEDURE_IDS
from ..knowledge import load_knowledge
from ..knowledge.models import did_you_mean
from .errors import OutcomeDataError
from .models import CoursePoint, Evidence, Instrument, Source, ValueSet
from .safety import SafetyScreen
from .schedule import TimepointSpec

__all__ = [
    "INSTRUMENT_IDS",
    "SCORING_METHODS",
    "Catalogue",
    "Offering",
    "Withheld",
    "instrument",
    "load_catalogue",
    "offered_instruments",
    "typical_course",
    "validate",
]

_M = TypeVar("_M", bound=BaseModel)
_Identified = TypeVar("_Identified", Source, ValueSet)  # the list files whose entries have ids

# The order in which instruments are listed (patient-facing short and generic ones first).
INSTRUMENT_IDS: tuple[str, ...] = (
    "nrs_back_pain",
    "nrs_leg_pain",
    "vas_pain",
    "walking_tolerance",
    "global_perceived_effect",
    "satisfaction",
    "start_back",
    "rmdq",
    "odi",
    "zcq",
    "comi_back",
    "promis_29",
    "eq5d_5l",
)

# Every ``scoring.method`` named in the data must have a function in scoring.py (checked by a test both ways).
SCORING_METHODS: frozenset[str] = frozenset(
    {"nrs", "vas", "walking_tolerance", "global_rating", "start_back", "rmdq", "odi", "zcq", "comi", "promis_29",
     "eq5d_5l"}
)
# Methods whose index comes from a country's value set (data/value_sets.yaml).
VALUE_SET_METHODS: frozenset[str] = frozenset({"eq5d_5l"})


class Catalogue(BaseModel):
    """Everything in ``data/``, validated. ``sources`` holds the outcome sources; a cited id not found there is
    one of the knowledge base's (``spinepath.core.knowledge.load_knowledge().source(id)``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sources: dict[str, Source]
    instruments: dict[str, Instrument]
    value_sets: dict[str, ValueSet]
    safety: SafetyScreen
    schedule: tuple[TimepointSpec, ...]
    typical_courses: tuple[CoursePoint, ...] = ()

    def instrument(self, instrument_id: str) -> Instrument:
        try:
            return self.instruments[instrument_id]
        except KeyError:
            hint = did_you_mean(instrument_id, self.instruments)
            raise KeyError(f"unknown instrument {instrument_id!r}{hint}") from None

    def value_set(self, value_set_id: str) -> ValueSet:
        try:
            return self.value_sets[value_set_id]
        except KeyError:
            hint = did_you_mean(value_set_id, self.value_sets)
            raise KeyError(f"unknown value set {value_set_id!r}{hint} (known: {', '.join(self.value_sets)})") from None

    def typical_course(self, procedure_id: str, instrument_id: str, subscale: str | None = None) \
            -> tuple[CoursePoint, ...]:
        """The sourced points of ``instrument_id`` (its total, or ``subscale``) after ``procedure_id``, earliest
        first (in file order within a month); empty when the evidence has none."""
        if procedure_id not in PROCEDURE_IDS:
            raise KeyError(f"unknown procedure {procedure_id!r}{did_you_mean(procedure_id, PROCEDURE_IDS)}")
        inst = self.instrument(instrument_id)
        if subscale is not None:
            inst.subscale(subscale)  # KeyError for a subscale it does not have
        found = [p for p in self.typical_courses
                 if (p.procedure, p.instrument, p.subscale) == (procedure_id, instrument_id, subscale)]
        return tuple(sorted(found, key=lambda p: p.months))


class Withheld(BaseModel):
    """An instrument that is not offered, and why (shown in the admin)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    instrument: str
    name: str
    reason: str


class Offering(BaseModel):
    """What a deployment offers: instruments ready to show (with wording); those withheld until their wording is
    supplied, with the reason; and those spinepath scores but never shows to patients, with the reason."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offered: tuple[Instrument, ...]
    withheld: tuple[Withheld, ...]
    scoring_only: tuple[Withheld, ...] = ()

    @property
    def offered_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.offered)


@functools.lru_cache(maxsize=1)
def load_catalogue() -> Catalogue:
    """The packaged catalogue, read and validated once per process."""
    data = resources.files(__name__.rsplit(".", 1)[0]).joinpath("data")
    raw: dict[str, Any] = {"instruments": {}}
    for name in ("sources", "value_sets", "safety", "schedule", "typical_course"):
        raw[name] = _read(data.joinpath(f"{name}.yaml"), f"{name}.yaml")
    folder = data.joinpath("instruments")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            raw["instruments"][entry.name.removesuffix(".yaml")] = _read(entry, f"instruments/{entry.name}")
    return validate(raw, knowledge_sources=load_knowledge().sources)


def instrument(instrument_id: str) -> Instrument:
    """One packaged instrument definition (structure only for licensed instruments)."""
    return load_catalogue().instrument(instrument_id)


def typical_course(procedure_id: str, instrument_id: str, *, subscale: str | None = None,
                   catalogue: Catalogue | None = None) -> tuple[CoursePoint, ...]:
    """What studies report as the average change of one score (``instrument_id``, or one of its subscales) after
    a procedure: the packaged points, earliest first, each with its study, group and sources. Empty when the
    evidence has no sourced figure for that score after that procedure. An unknown procedure, instrument or
    subscale is a ``KeyError`` naming it. Group averages, never a prediction for one person."""
    return (catalogue or load_catalogue()).typical_course(procedure_id, instrument_id, subscale)


def offered_instruments(
    item_texts: Mapping[str, Any] | None = None, *, catalogue: Catalogue | None = None
) -> Offering:
    """Which instruments a deployment can offer.

    ``item_texts``: the deployer-supplied wording, as returned by
    :func:`spinepath.core.outcomes.texts.load_item_texts` (instrument id → ``ItemTexts``). Instruments whose
    wording is shipped are always offered; the others are offered with the supplied wording merged in, or
    withheld with the reason (their licence, and how to supply the wording). Instruments scored only are never
    offered, whatever is supplied."""
    from .texts import with_item_texts  # here: texts imports this module

    catalogue = catalogue or load_catalogue()
    supplied = dict(item_texts or {})
    offered: list[Instrument] = []
    withheld: list[Withheld] = []
    scoring_only: list[Withheld] = []
    for inst in catalogue.instruments.values():
        if inst.scoring_only is not None:
            scoring_only.append(Withheld(instrument=inst.id, name=inst.name,
                                         reason=f"Scored only, never offered to patients: {inst.scoring_only.strip()}"))
        elif inst.licence.item_text_shipped:
            offered.append(inst)
        elif inst.id in supplied:
            offered.append(with_item_texts(inst, supplied[inst.id]))
        else:
            withheld.append(Withheld(instrument=inst.id, name=inst.name, reason=_withheld_reason(inst)))
    return Offering(offered=tuple(offered), withheld=tuple(withheld), scoring_only=tuple(scoring_only))


def _withheld_reason(inst: Instrument) -> str:
    why = {
        "licence_required": "its wording is licensed",
        "unknown": "the licence of its wording is unknown",
    }.get(inst.licence.status, "its wording is not shipped")
    return (
        f"Not offered: {why}. {inst.licence.summary.strip()} To offer it, supply the wording as an item-text "
        f"file named '{inst.id}.yaml' in the deployment's item-text directory (see README, 'Outcome instruments')."
    )


# ---- validation ---------------------------------------------------------------------------------------------


def validate(raw: Mapping[str, Any], *, knowledge_sources: Mapping[str, Any] | None = None) -> Catalogue:
    """Build the catalogue from plain data, or raise :class:`OutcomeDataError` listing every problem.
    ``raw``: ``{"sources": [...], "instruments": {file stem: {...}}, "value_sets": [...], "safety": {...},
    "schedule": {...}, "typical_course": {"points": [...]}}``;
    ``knowledge_sources``: the knowledge base's sources, which outcome data may also cite."""
    problems: list[str] = []
    sources = _build_sources(raw.get("sources"), problems)
    kb_sources = dict(knowledge_sources or {})
    for clash in sorted(set(sources) & set(kb_sources)):
        problems.append(f"sources.yaml, source {clash!r}: the knowledge base already has this id; cite that one")

    instruments: dict[str, Instrument] = {}
    files = raw.get("instruments") or {}
    for stem in files:
        if stem not in INSTRUMENT_IDS:
            problems.append(f"instruments/{stem}.yaml: unknown instrument{did_you_mean(stem, INSTRUMENT_IDS)}")
    for stem in INSTRUMENT_IDS:
        if stem not in files:
            problems.append(f"instruments/{stem}.yaml: missing")
            continue
        built = _model(Instrument, files[stem], f"instruments/{stem}.yaml", problems)
        if built is None:
            continue
        if built.item_text_supplied_by is not None or built.t_score_tables:
            problems.append(
                f"instruments/{stem}.yaml: 'item_text_supplied_by' and 't_score_tables' come only from a "
                "deployer's item-text file, never from the packaged data"
            )
        if built.id != stem:
            problems.append(f"instruments/{stem}.yaml: id {built.id!r} must match the file name")
        if built.scoring.method not in SCORING_METHODS:
            problems.append(
                f"instruments/{stem}.yaml (/scoring/method): no scoring function {built.scoring.method!r}"
                f"{did_you_mean(built.scoring.method, SCORING_METHODS)}"
            )
        instruments[stem] = built

    value_sets = _build_value_sets(raw.get("value_sets"), instruments, problems)
    safety = _model(SafetyScreen, raw.get("safety"), "safety.yaml", problems)
    schedule_raw = raw.get("schedule")
    schedule_list = schedule_raw.get("timepoints") if isinstance(schedule_raw, dict) else None
    schedule: list[TimepointSpec] = []
    if not isinstance(schedule_list, list):
        problems.append("schedule.yaml: expected 'timepoints:' with a list of time points")
    else:
        for index, entry in enumerate(schedule_list):
            spec = _model(TimepointSpec, entry, f"schedule.yaml, time point {index}", problems)
            if spec is not None:
                schedule.append(spec)
    courses = _build_courses(raw.get("typical_course"), instruments, problems)
    if problems:
        raise _inconsistent(problems)

    assert safety is not None
    known = {**kb_sources, **sources}
    for inst in instruments.values():
        problems += _cited_problems(f"instruments/{inst.id}.yaml", inst, known)
    for value_set in value_sets.values():
        problems += _cited_problems(f"value_sets.yaml, {value_set.id}", value_set, known)
    problems += _cited_problems("safety.yaml", safety, known)
    for spec in schedule:
        problems += _cited_problems(f"schedule.yaml, {spec.id}", spec, known)
        problems += [
            f"schedule.yaml, {spec.id}: unknown instrument {i!r}{did_you_mean(i, instruments)}"
            for i in spec.instruments
            if i not in instruments
        ]
    for point in courses:
        problems += _cited_problems(f"typical_course.yaml, {point.where}", point, known)
    if problems:
        raise _inconsistent(problems)
    return Catalogue(sources=sources, instruments=instruments, value_sets=value_sets, safety=safety,
                     schedule=tuple(schedule), typical_courses=tuple(courses))


def _read(path: Any, name: str) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise OutcomeDataError(f"outcomes/data/{name}: cannot be read as YAML: {exc}") from exc


def _by_id(entries: Any, model: type[_Identified], file: str, what: str, problems: list[str]
           ) -> dict[str, tuple[str, _Identified]]:
    """The entries of a list file as models by id, each with where it is (for messages); problems are collected."""
    if not isinstance(entries, list):
        problems.append(f"{file}: expected a list of {what}s")
        return {}
    built: dict[str, tuple[str, _Identified]] = {}
    for index, entry in enumerate(entries):
        where = f"{file}, {what} {entry.get('id')!r}" if isinstance(entry, dict) else f"{file} #{index}"
        found = _model(model, entry, where, problems)
        if found is None:
            continue
        if found.id in built:
            problems.append(f"{where}: duplicate id")
        built[found.id] = (where, found)
    return built


def _build_sources(entries: Any, problems: list[str]) -> dict[str, Source]:
    return {key: source for key, (_, source) in _by_id(entries, Source, "sources.yaml", "source", problems).items()}


def _build_value_sets(entries: Any, instruments: Mapping[str, Instrument], problems: list[str]) -> dict[str, ValueSet]:
    found = _by_id(entries, ValueSet, "value_sets.yaml", "value set", problems)
    built = {key: value_set for key, (_, value_set) in found.items()}
    for where, value_set in found.values():
        inst = instruments.get(value_set.instrument)
        if inst is None:
            problems.append(f"{where} (/instrument): unknown instrument {value_set.instrument!r}"
                            f"{did_you_mean(value_set.instrument, instruments)}")
            continue
        if inst.scoring.method not in VALUE_SET_METHODS:
            problems.append(f"{where} (/instrument): {inst.short_name} is not scored with a value set")
            continue
        dimensions = [item.id for item in inst.items]
        if list(value_set.decrements) != dimensions:
            problems.append(f"{where} (/decrements): expected the dimensions {dimensions}, in that order, got "
                            f"{list(value_set.decrements)}")
    for inst in instruments.values():
        if inst.scoring.method in VALUE_SET_METHODS and not any(v.instrument == inst.id for v in built.values()):
            problems.append(f"instruments/{inst.id}.yaml: scored with a value set, but value_sets.yaml has none")
    return built


def _build_courses(raw: Any, instruments: Mapping[str, Instrument], problems: list[str]) -> list[CoursePoint]:
    entries = raw.get("points") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        problems.append("typical_course.yaml: expected 'points:' with a list of points")
        return []
    built: list[CoursePoint] = []
    seen: set[tuple[str, str, str | None, int, str]] = set()
    for index, entry in enumerate(entries):
        point = _model(CoursePoint, entry, f"typical_course.yaml, point {index}", problems)
        if point is None:
            continue
        where = f"typical_course.yaml, point {index} ({point.where})"
        if point.procedure not in PROCEDURE_IDS:
            problems.append(f"{where} (/procedure): unknown procedure {point.procedure!r}"
                            f"{did_you_mean(point.procedure, PROCEDURE_IDS)}")
        inst = instruments.get(point.instrument)
        if inst is None:
            problems.append(f"{where} (/instrument): unknown instrument {point.instrument!r}"
                            f"{did_you_mean(point.instrument, instruments)}")
            continue
        low, high = inst.scoring.minimum, inst.scoring.maximum
        if point.subscale is not None:
            subscale = next((s for s in inst.subscales if s.id == point.subscale), None)
            if subscale is None:
                problems.append(f"{where} (/subscale): {inst.short_name} has no subscale {point.subscale!r}"
                                f"{did_you_mean(point.subscale, [s.id for s in inst.subscales])}")
                continue
            low, high = subscale.minimum, subscale.maximum
        elif low is None or high is None:
            problems.append(f"{where} (/subscale): {inst.short_name} has no bounded total; name one of its subscales")
            continue
        if abs(point.mean_change) > high - low:
            problems.append(f"{where} (/mean_change): a change of {point.mean_change:g} does not fit the scale "
                            f"{low:g} to {high:g}")
        key = (point.procedure, point.instrument, point.subscale, point.months, point.group)
        if key in seen:
            problems.append(f"{where}: the same group, score and time is given twice")
        seen.add(key)
        built.append(point)
    return built


def _model(model: type[_M], data: Any, where: str, problems: list[str]) -> _M | None:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            pointer = "/" + "/".join(str(part) for part in error["loc"])
            problems.append(f"{where} ({pointer}): {error['msg']}")
        return None


def _cited_problems(where: str, model: BaseModel, known: Mapping[str, Any], pointer: str = "") -> list[str]:
    problems: list[str] = []
    if isinstance(model, Evidence):
        problems += [
            f"{where} ({pointer}/sources/{i}): unknown source id {sid!r}{did_you_mean(sid, known)}"
            for i, sid in enumerate(model.sources)
            if sid not in known
        ]
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
        for index, element in enumerate(values):
            if isinstance(element, BaseModel):
                at = f"{pointer}/{name}/{index}" if isinstance(value, list | dict) else f"{pointer}/{name}"
                problems += _cited_problems(where, element, known, at)
    return problems


def _inconsistent(problems: list[str]) -> OutcomeDataError:
    lines = "\n".join(f"  - {p}" for p in problems)
    return OutcomeDataError(
        f"The outcome instrument data is inconsistent ({len(problems)} problem(s)); fix the files in "
        f"spinepath/core/outcomes/data:\n{lines}"
    )
