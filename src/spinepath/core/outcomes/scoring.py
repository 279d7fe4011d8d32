"""Scoring as pure functions: one per instrument, each returning a typed :class:`Score`.

Answers are a mapping of item id → answer code (``None`` or an absent key = not answered). The codes are those
of the instrument's definition (``data/instruments/*.yaml``); each option's ``points`` say what it contributes.
Answers are validated first, totally: an unknown item id, a code the item does not offer (ZCQ balance 2 or 4),
a boolean, or two marks where only one is allowed raise :class:`AnswerError` naming every offending item.

The missing-item rules are the instruments' own, exactly (``instruments-evidence.md``; where the owner gives none,
the policy in the data file says so):

========================  ====================================================================================
ODI v2.1a                 score over the answered sections (100 × Σ / (5 × answered)), at least 8 of 10
                          answered (policy); two marks in a section: the higher counts (owner)
NRS, VAS, walking, GPE,   a single item: unanswered → no score
satisfaction
STarT Back                every item: any unanswered item → incomplete, **no risk group** (never 'low risk')
RMDQ                      every statement recorded as ticked (1) or not (0); otherwise no score
ZCQ                       per subscale, mean of answered items with ≤2/7 (symptoms), ≤1/5 (function), ≤1/6
                          (satisfaction) missing; satisfaction only after treatment; no total
COMI                      all five domains (so all seven items); pain = max(back, leg); disability = mean
PROMIS-29                 per domain, all four items; raw sums; T-scores only with deployer-supplied tables
EQ-5D-5L                  all five dimensions; the index from the chosen country's value set (recorded)
========================  ====================================================================================

``complete`` means the rule is met and every score it allows was computed; an allowed partial form (an ODI
with 9 sections) is complete, with a note naming what was not answered. Values are exact (a single division of
exact sums); round only for display (:func:`format_value`). Why a form is incomplete is given as :class:`Reason`
data (a code, the items it names, its numbers) with its English wording (:mod:`.reasons`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from ..errors import FieldProblem
from ..knowledge.models import did_you_mean
from .errors import AnswerError
from .models import Band, Instrument, Item, Reason, Score, Subscale, SubscaleScore
from .reasons import make_reason

__all__ = [
    "SCORERS",
    "Answer",
    "Answers",
    "band_for",
    "eq5d_5l_index",
    "format_value",
    "score",
    "score_comi_back",
    "score_eq5d_5l",
    "score_global_rating",
    "score_nrs",
    "score_odi",
    "score_promis_29",
    "score_rmdq",
    "score_start_back",
    "score_vas",
    "score_walking_tolerance",
    "score_zcq",
    "validate_answers",
]

Answer = int | Sequence[int] | None
Answers = Mapping[str, Answer]
_Codes = dict[str, int]


def _instrument(instrument: Instrument | str | None, default: str) -> Instrument:
    if isinstance(instrument, Instrument):
        return instrument
    from .catalogue import load_catalogue  # here: the catalogue module is loaded lazily

    return load_catalogue().instrument(instrument or default)


def validate_answers(instrument: Instrument, answers: Answers) -> _Codes:
    """Item id → the one code that counts, for answered items only; raises :class:`AnswerError` listing every
    problem (pointer ``/<item id>``)."""
    if not isinstance(answers, Mapping):
        raise AnswerError([FieldProblem("", "expected a mapping of item id → answer code")])
    known = {item.id: item for item in instrument.items}
    problems: list[FieldProblem] = []
    codes: _Codes = {}
    for key, value in answers.items():
        item = known.get(key)
        if item is None:
            hint = did_you_mean(str(key), known)
            problems.append(FieldProblem(f"/{key}", f"unknown item of {instrument.short_name}{hint}"))
            continue
        code = _one_code(item, value, problems)
        if code is not None:
            codes[key] = code
    if problems:
        raise AnswerError(problems)
    return codes


def _one_code(item: Item, value: Any, problems: list[FieldProblem]) -> int | None:
    pointer = f"/{item.id}"
    if value is None:
        return None
    marks: list[Any] = list(value) if isinstance(value, list | tuple) else [value]
    if not marks:
        return None
    bad = [m for m in marks if isinstance(m, bool) or not isinstance(m, int)]
    if bad:
        problems.append(FieldProblem(pointer, f"expected an integer answer code, got {bad[0]!r}"))
        return None
    allowed = item.codes_allowed
    invalid = [m for m in marks if m not in allowed]
    if invalid:
        shown = f"{allowed[0]}-{allowed[-1]}" if item.kind == "integer" else ", ".join(map(str, allowed))
        problems.append(FieldProblem(pointer, f"{invalid[0]} is not an answer to this item (allowed: {shown})"))
        return None
    if len(set(marks)) > 1:
        if item.multiple_marks != "highest":
            problems.append(FieldProblem(pointer, "one answer expected, got several"))
            return None
        # ODI (Fairbank): "If a respondent checks two boxes in a section, the highest scoring box is taken".
        return int(max(marks, key=item.points))
    return int(marks[0])


def band_for(bands: Sequence[Band], value: float | None, on: str | None = None) -> str | None:
    """The label of the first band (reading ``on``: ``None`` = the total) whose ``up_to`` the value does not
    exceed; ``None`` for no value or a value above every band."""
    if value is None:
        return None
    return next((b.label for b in bands if b.on == on and value <= b.up_to), None)


def format_value(value: float | None, instrument: Instrument) -> str:
    """The value rounded for display (half away from zero), per the instrument's ``display_decimals``."""
    if value is None:
        return "—"
    places = instrument.scoring.display_decimals
    quantum = Fraction(1, 10**places)
    exact = Fraction(value)
    rounded = (abs(exact) / quantum + Fraction(1, 2)).__floor__() * quantum
    return f"{float(rounded if exact >= 0 else -rounded):.{places}f}"


def _missing_topics(items: Sequence[Item], codes: _Codes) -> list[str]:
    return [f"{i.number} {i.topic}" for i in items if i.id not in codes]


def _missing(items: Sequence[Item], codes: _Codes) -> list[str]:
    return [i.id for i in items if i.id not in codes]


def _result(inst: Instrument, codes: _Codes, value: Fraction | float | None, complete: bool, **extra: Any) -> Score:
    number = None if value is None else float(value)
    return Score(
        instrument=inst.id, version=inst.version, value=number, complete=complete,
        answered=sum(1 for item in inst.items if item.id in codes), items=len(inst.items),
        band=band_for(inst.bands, number) if complete else None, **extra,
    )


# ---- one item -------------------------------------------------------------------------------------------------


def _score_single(inst: Instrument, codes: _Codes) -> Score:
    (item,) = inst.items
    if item.id not in codes:
        return _result(inst, codes, None, False,
                       reasons=(make_reason(inst, "single_item_unanswered", items=[item.id]),))
    return _result(inst, codes, item.points(codes[item.id]), True)


def score_nrs(answers: Answers, *, instrument: Instrument | str = "nrs_back_pain") -> Score:
    """NRS 0-10 (back: ``nrs_back_pain``, leg: ``nrs_leg_pain``): the number chosen."""
    inst = _instrument(instrument, "nrs_back_pain")
    return _score_single(inst, validate_answers(inst, answers))


def score_vas(answers: Answers, *, instrument: Instrument | str = "vas_pain") -> Score:
    """Pain VAS, 100 mm: the distance of the mark from the "no pain" end, in millimetres (0-100)."""
    inst = _instrument(instrument, "vas_pain")
    return _score_single(inst, validate_answers(inst, answers))


def score_walking_tolerance(answers: Answers, *, instrument: Instrument | None = None) -> Score:
    """Self-reported walking tolerance: the minutes given (0-120)."""
    inst = _instrument(instrument, "walking_tolerance")
    return _score_single(inst, validate_answers(inst, answers))


def score_global_rating(answers: Answers, *, instrument: Instrument | str = "global_perceived_effect") -> Score:
    """A single post-treatment rating (``global_perceived_effect`` 1-7, ``satisfaction`` 1-4): the category."""
    inst = _instrument(instrument, "global_perceived_effect")
    return _score_single(inst, validate_answers(inst, answers))


# ---- ODI --------------------------------------------------------------------------------------------------------


def score_odi(answers: Answers, *, instrument: Instrument | None = None, min_answered: int | None = None) -> Score:
    """ODI v2.1a: 100 × Σ(answered section scores) / (5 × answered sections), when at least ``min_answered``
    (default: the data's 8 of 10, a policy) sections are answered. ``min_answered=1`` is the owner's 'in
    theory' reading."""
    inst = _instrument(instrument, "odi")
    return _score_odi(inst, validate_answers(inst, answers), min_answered=min_answered)


def _score_odi(inst: Instrument, codes: _Codes, *, min_answered: int | None = None) -> Score:
    needed = min_answered or inst.missing.min_answered or 1
    answered = [item for item in inst.items if item.id in codes]
    missing = _missing_topics(inst.items, codes)
    if len(answered) < needed:
        return _result(inst, codes, None, False, reasons=(make_reason(
            inst, "odi_too_few_sections", items=_missing(inst.items, codes), answered=len(answered),
            total=len(inst.items), needed=needed),))
    total = sum(Fraction(item.points(codes[item.id])) for item in answered)
    possible = sum(Fraction(max(o.points for o in item.options)) for item in answered)
    notes = (f"Scored over {len(answered)} answered sections; not answered: {', '.join(missing)}.",) if missing else ()
    return _result(inst, codes, 100 * total / possible, True, notes=notes)


# ---- STarT Back -------------------------------------------------------------------------------------------------


def score_start_back(answers: Answers, *, instrument: Instrument | None = None) -> Score:
    """Keele STarT Back: overall 0-9, distress 0-5, risk group low / medium / high. Any unanswered item → no
    score and no risk group (an incomplete form is never 'low risk')."""
    inst = _instrument(instrument, "start_back")
    return _score_start_back(inst, validate_answers(inst, answers))


def _score_start_back(inst: Instrument, codes: _Codes) -> Score:
    distress = _sum_subscale(inst.subscale("distress"), inst, codes)
    missing = _missing(inst.items, codes)
    if missing:
        return _result(inst, codes, None, False, subscales=(distress,), reasons=(make_reason(
            inst, "start_back_incomplete", items=missing, missing=len(missing), total=len(inst.items)),))
    total = sum(item.points(codes[item.id]) for item in inst.items)
    assert distress.value is not None  # every item answered
    params = inst.scoring.parameters
    if distress.value >= params["high_risk_min_distress"]:
        group = "high"
    elif total > params["low_risk_max_total"]:
        group = "medium"
    else:
        group = "low"
    score = _result(inst, codes, total, True, subscales=(distress,))
    return score.model_copy(update={"band": f"{group} risk"})


# ---- RMDQ -------------------------------------------------------------------------------------------------------


def score_rmdq(answers: Answers, *, instrument: Instrument | None = None) -> Score:
    """RMDQ-24: the number of statements ticked (0-24); every statement must be recorded (1 ticked, 0 not)."""
    inst = _instrument(instrument, "rmdq")
    return _score_rmdq(inst, validate_answers(inst, answers))


def _score_rmdq(inst: Instrument, codes: _Codes) -> Score:
    missing = _missing(inst.items, codes)
    if missing:
        return _result(inst, codes, None, False, reasons=(make_reason(
            inst, "rmdq_incomplete", items=missing, missing=len(missing), total=len(inst.items)),))
    return _result(inst, codes, sum(codes.values()), True)


# ---- ZCQ --------------------------------------------------------------------------------------------------------


def score_zcq(answers: Answers, *, instrument: Instrument | None = None) -> Score:
    """ZCQ: symptom severity (1-5), physical function (1-4) and satisfaction (1-4) as means of answered items
    within the allowed missing counts; no total. A form without any satisfaction item is a pre-treatment form."""
    inst = _instrument(instrument, "zcq")
    return _score_zcq(inst, validate_answers(inst, answers))


def _score_zcq(inst: Instrument, codes: _Codes) -> Score:
    subscales = []
    reasons: list[Reason] = []
    for subscale in inst.subscales:
        answered = [i for i in subscale.items if i in codes]
        if subscale.post_treatment_only and not answered:
            subscales.append(SubscaleScore(
                id=subscale.id, name=subscale.name, value=None, complete=False, answered=0,
                items=len(subscale.items), reasons=(make_reason(inst, "post_treatment_only"),),
            ))
            continue
        scored = _mean_subscale(subscale, inst, codes)
        subscales.append(scored)
        reasons += [_in_subscale(inst, r, subscale) for r in scored.reasons if scored.value is None]
    complete = all(s.complete for s in subscales if not (inst.subscale(s.id).post_treatment_only and s.answered == 0))
    return _result(inst, codes, None, complete, subscales=tuple(subscales), reasons=tuple(reasons),
                   notes=("No total score: the ZCQ is read by its subscales.",))


def _in_subscale(inst: Instrument, reason: Reason, subscale: Subscale) -> Reason:
    """A subscale's reason as listed for the whole form ("Physical function: ...")."""
    return make_reason(inst, reason.code, items=reason.items, subscales=reason.subscales, subscale=subscale.id,
                       **reason.counts)


def _mean_subscale(subscale: Subscale, inst: Instrument, codes: _Codes) -> SubscaleScore:
    items = [inst.item(i) for i in subscale.items]
    answered = [i for i in items if i.id in codes]
    missing = _missing(items, codes)
    base = {"id": subscale.id, "name": subscale.name, "answered": len(answered), "items": len(items)}
    if len(missing) > subscale.max_missing:
        return SubscaleScore(**base, value=None, complete=False, reasons=(make_reason(
            inst, "too_many_missing", items=missing, missing=len(missing), total=len(items),
            allowed=subscale.max_missing),))
    mean = sum(Fraction(i.points(codes[i.id])) for i in answered) / len(answered)
    value = float(mean)
    return SubscaleScore(**base, value=value, complete=True, band=band_for(inst.bands, value, subscale.id),
                         reasons=(make_reason(inst, "missing_allowed", items=missing),) if missing else ())


def _sum_subscale(subscale: Subscale, inst: Instrument, codes: _Codes) -> SubscaleScore:
    items = [inst.item(i) for i in subscale.items]
    missing = _missing(items, codes)
    base = {"id": subscale.id, "name": subscale.name, "answered": len(items) - len(missing), "items": len(items)}
    if len(missing) > subscale.max_missing:
        return SubscaleScore(**base, value=None, complete=False,
                             reasons=(make_reason(inst, "not_answered", items=missing),))
    value = float(sum(Fraction(i.points(codes[i.id])) for i in items if i.id in codes))
    return SubscaleScore(**base, value=value, complete=True, band=band_for(inst.bands, value, subscale.id))


# ---- COMI -------------------------------------------------------------------------------------------------------


def score_comi_back(answers: Answers, *, instrument: Instrument | None = None) -> Score:
    """COMI (back), 0-10: mean of five domains; pain = max(back, leg), disability = mean(social, work).
    All five domains are required."""
    inst = _instrument(instrument, "comi_back")
    return _score_comi(inst, validate_answers(inst, answers))


def _score_comi(inst: Instrument, codes: _Codes) -> Score:
    domains: list[SubscaleScore] = []
    values: list[Fraction | float] = []
    for subscale in inst.subscales:
        items = [inst.item(i) for i in subscale.items]
        missing = _missing(items, codes)
        base = {"id": subscale.id, "name": subscale.name, "answered": len(items) - len(missing), "items": len(items)}
        if missing:
            domains.append(SubscaleScore(**base, value=None, complete=False,
                                         reasons=(make_reason(inst, "not_answered", items=missing),)))
            continue
        points = [Fraction(i.points(codes[i.id])) for i in items]
        # awell-score, citing the COMI manual: the pain domain is the worse of back and leg pain; the others
        # (disability: social and work) are means.
        value = max(points) if subscale.id == "pain" else Fraction(sum(points)) / len(points)
        values.append(value)
        domains.append(SubscaleScore(**base, value=float(value), complete=True))
    if len(values) < len(inst.subscales):
        missing_domains = [d.id for d in domains if d.value is None]
        return _result(inst, codes, None, False, subscales=tuple(domains), reasons=(
            make_reason(inst, "comi_domains_missing", subscales=missing_domains),))
    return _result(inst, codes, sum(values) / len(values), True, subscales=tuple(domains))


# ---- PROMIS-29 --------------------------------------------------------------------------------------------------


def score_promis_29(answers: Answers, *, instrument: Instrument | None = None) -> Score:
    """PROMIS-29 v2.1: raw summed score per domain (all four items needed) and the pain intensity item; T-scores
    only when the instrument carries deployer-supplied official tables."""
    inst = _instrument(instrument, "promis_29")
    return _score_promis(inst, validate_answers(inst, answers))


def _score_promis(inst: Instrument, codes: _Codes) -> Score:
    domains = []
    for subscale in inst.subscales:
        scored = _sum_subscale(subscale, inst, codes)
        table = inst.t_score_tables.get(subscale.id)
        if scored.value is not None and table is not None:
            scored = scored.model_copy(update={"t_score": table[int(scored.value - subscale.minimum)]})
        domains.append(scored)
    reasons = tuple(_in_subscale(inst, r, inst.subscale(d.id)) for d in domains for r in d.reasons)
    multi = [s.id for s in inst.subscales if len(s.items) > 1]
    untabled = [s for s in multi if s not in inst.t_score_tables]
    notes = ["No total score: PROMIS-29 is read by its domains."]
    if untabled:
        notes.append(
            "Raw summed scores (4-20), not T-scores: converting them needs the official PROMIS-29 v2.1 tables, "
            "which spinepath does not ship. Do not read raw sums against T-score cut points."
        )
    return _result(inst, codes, None, all(d.complete for d in domains), subscales=tuple(domains),
                   reasons=reasons, notes=tuple(notes))


# ---- EQ-5D-5L ---------------------------------------------------------------------------------------------------

_EQ5D_DIGITS = "12345"


def eq5d_5l_index(health_state: str | Sequence[int | None], value_set: str) -> Score:
    """The EQ-5D-5L index of a health state, with the value set ``value_set`` (e.g. ``"england_2018"``).

    ``health_state``: the five levels in the order MO SC UA PD AD, as the usual 5-digit string (``"21354"``) or
    a sequence (``None`` for a dimension not answered). A missing dimension gives no index (incomplete, with the
    reason); the result records the value set used. An unknown value set raises ``KeyError``."""
    inst = _instrument(None, "eq5d_5l")
    if isinstance(health_state, str):
        if len(health_state) != len(inst.items) or any(d not in _EQ5D_DIGITS for d in health_state):
            raise AnswerError([FieldProblem("", f"expected a health state of 5 digits 1-5 (MO SC UA PD AD), "
                                                f"got {health_state!r}")])
        levels: list[int | None] = [int(d) for d in health_state]
    else:
        levels = list(health_state)
        if len(levels) != len(inst.items):
            raise AnswerError([FieldProblem("", f"expected 5 levels (MO SC UA PD AD), got {len(levels)}")])
    answers = {item.id: level for item, level in zip(inst.items, levels, strict=True)}
    return _score_eq5d_5l(inst, validate_answers(inst, answers), value_set)


def score_eq5d_5l(answers: Answers, *, value_set: str, instrument: Instrument | None = None) -> Score:
    """EQ-5D-5L from answers by dimension (``mobility``, ``self_care``, ``usual_activities``, ``pain_discomfort``,
    ``anxiety_depression``: levels 1-5), valued with ``value_set``."""
    inst = _instrument(instrument, "eq5d_5l")
    return _score_eq5d_5l(inst, validate_answers(inst, answers), value_set)


def _score_eq5d_5l(inst: Instrument, codes: _Codes, value_set: str | None = None) -> Score:
    chosen = None
    if value_set is not None:
        from .catalogue import load_catalogue  # here: the catalogue module is loaded lazily

        chosen = load_catalogue().value_set(value_set)  # an unknown id is a KeyError, answered or not
        if chosen.instrument != inst.id:
            raise KeyError(f"value set {value_set!r} is for {chosen.instrument}, not {inst.id}")
    missing = _missing(inst.items, codes)
    if missing:
        return _result(inst, codes, None, False, value_set=value_set,
                       reasons=(make_reason(inst, "eq5d_dimension_missing", items=missing),))
    state = "".join(str(codes[item.id]) for item in inst.items)
    if chosen is None:
        # The descriptive system is complete; an index needs the country's value set, which only the caller knows.
        return _result(inst, codes, None, True, notes=(
            f"Health state {state}. No index: an EQ-5D-5L index needs a value set (score(..., value_set=...)).",))
    return _result(inst, codes, chosen.index(codes), True, value_set=chosen.id, notes=(
        f"Health state {state}, valued with the {chosen.name} value set; index values from different value sets "
        "are not comparable.",))


# ---- dispatch ---------------------------------------------------------------------------------------------------

SCORERS: dict[str, Callable[[Instrument, _Codes], Score]] = {
    "nrs": _score_single,
    "vas": _score_single,
    "walking_tolerance": _score_single,
    "global_rating": _score_single,
    "odi": _score_odi,
    "start_back": _score_start_back,
    "rmdq": _score_rmdq,
    "zcq": _score_zcq,
    "comi": _score_comi,
    "promis_29": _score_promis,
    "eq5d_5l": _score_eq5d_5l,
}


def score(instrument: Instrument | str, answers: Answers, *, value_set: str | None = None) -> Score:
    """Score any instrument by its definition's ``scoring.method`` (validating the answers first).
    ``value_set`` is for a preference-based index (EQ-5D-5L); without one, an EQ-5D-5L form is scored as a
    health state with no index."""
    inst = _instrument(instrument, "")
    codes = validate_answers(inst, answers)
    if value_set is None:
        return SCORERS[inst.scoring.method](inst, codes)
    if inst.scoring.method != "eq5d_5l":
        raise ValueError(f"{inst.short_name} has no value sets; only the EQ-5D-5L index takes one")
    return _score_eq5d_5l(inst, codes, value_set)
