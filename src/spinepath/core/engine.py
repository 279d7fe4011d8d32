"""The engine: evaluates the rule tables of :mod:`spinepath.core.rules` over one intake.

It holds no medicine of its own (that is all in the tables): it runs §3.1 urgency, the procedure tables with the
§2 precedence (every rule caps the status; the lowest cap wins; per-level rules judge each level on its own and
the procedure takes the best level), then §3.2 next step, and assembles the ``spinepath.assessment/1`` document.
Pure and deterministic: no clock, no I/O, no global state.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import chain
from operator import attrgetter, itemgetter
from typing import NamedTuple

from pydantic_core import to_json

from .assessment import (
    ASSESSMENT_SCHEMA_ID,
    DISCLAIMER,
    PROCEDURE_IDS,
    SAFETY_NET,
    Assessment,
    NextStep,
    ProcedureAssessment,
    ProcedureId,
    Reason,
    RedFlag,
    RiskFactor,
    Status,
    StatusRank,
    Urgency,
)
from .intake import LEVELS, Intake
from .knowledge import load_knowledge
from .logic import Unknown
from .rules import (
    EMERGENCY_STATUSES,
    NEXT_STEPS,
    PROCEDURE_RULES,
    RED_FLAG_RULES,
    RISK_FACTOR_RULES,
    RULESET_VERSION,
    URGENT_REVIEW_FIRST,
    check_ruleset,
)
from .rules.base import ASK, Rule
from .rules.definitions import Facts, LevelGroup
from .rules.next_step import ADVICE_EMERGENCY, ADVICE_URGENT, imaging_advice
from .rules.procedure import ProcedureRules
from .rules.urgency import CES_FIELDS, RedFlagRule

__all__ = ["assess", "assess_json"]

# Fail at start-up, not at the bedside: every rule must cite a source the knowledge base knows, ids are unique
# per table, and all seven procedures are covered.
check_ruleset(load_knowledge().sources)

_URGENCY_RANK = {"routine": 0, "urgent": 1, "emergency": 2}
_ces_answers = attrgetter(*(path.rsplit("/", 1)[1] for path in CES_FIELDS))  # the red_flags fields, in order
_LEVEL_ORDER = {level: n for n, level in enumerate(LEVELS)}


# Statuses are handled as plain ints inside the hot loop (IntEnum attribute access is slow); see StatusRank.
_NC, _INSUFFICIENT, _POSSIBLE, _CANDIDATE = 0, 1, 2, 3
_STATUS = tuple(rank.status for rank in StatusRank)
_NOTE = -1  # a rule that only adds a reason
_ASK = -2  # an unknown that is only listed as missing


class _Compiled(NamedTuple):
    """A rule prepared for evaluation: its effects as ints and every reason it can give built once.

    Reasons are immutable, so the engine hands out the same objects to every assessment instead of validating a
    new one each time a rule fires; the hot loop handles them by number (see :func:`_reason_number`). Per-level
    rules prefix their text with the level ("L4-L5: ..."), so they keep one reason per level (level None:
    findings of unknown level, no prefix). A tuple, so that the hot loop unpacks it in one step.
    """

    key: int  # the condition's slot in the per-intake memo
    test: Callable[..., bool | Unknown]
    then: int
    if_unknown: int
    reason: int  # what the rule says when its condition is true
    unknown_reason: int  # what it says when its condition is unknown
    asks: tuple[str, ...]
    by_level: dict[str | None, tuple[int, int]]  # per-level rules: (reason, unknown_reason) per level


# Every distinct condition gets a slot in the per-intake memo (a list: cheaper than a dict in the hot loop).
# Conditions are shared objects (When constants), so a condition used by several tables has one slot.
_SLOTS: dict[int, int] = {}


def _slot(when: object) -> int:
    return _SLOTS.setdefault(id(when), len(_SLOTS))


# Every reason the rules can give, built once at import and numbered, with its contract JSON (made by pydantic
# itself, so the JSON written without building the models is the same, byte for byte).
_REASONS: list[Reason] = []
_REASON_JSON: list[str] = []
_REASON_NUMBERS: dict[tuple[str, str, str], int] = {}
_RULE_TEXTS: set[tuple[str, str]] = set()  # (rule, text) of every numbered reason: see _unique


def _reason_number(rule_id: str, text: str, source: str) -> int:
    number = _REASON_NUMBERS.get((rule_id, text, source))
    if number is None:
        reason = Reason(rule=rule_id, text=text, source=source)
        number = _REASON_NUMBERS[rule_id, text, source] = len(_REASONS)
        _REASONS.append(reason)
        _REASON_JSON.append(reason.model_dump_json())
        _RULE_TEXTS.add((rule_id, text))
    return number


def _compile(rule: Rule) -> _Compiled:
    unknown_text = rule.unknown_text or f"We can't tell yet: {rule.text[0].lower()}{rule.text[1:]}"

    def reasons(prefix: str) -> tuple[int, int]:
        return (_reason_number(rule.id, prefix + rule.text, rule.source),
                _reason_number(rule.id, prefix + unknown_text, rule.source))

    by_level: dict[str | None, tuple[int, int]] = {}
    if rule.per_level:
        by_level = {level: reasons(f"{level}: ") for level in LEVELS}
        by_level[None] = reasons("")
    reason, unknown_reason = reasons("")
    return _Compiled(
        key=_slot(rule.when), test=rule.when.test,
        then=_NOTE if rule.then is None else int(rule.then),
        if_unknown=_ASK if rule.if_unknown == ASK else int(rule.if_unknown),
        reason=reason, unknown_reason=unknown_reason, asks=rule.asks, by_level=by_level)


def _reason(rule: Rule) -> int:
    """The number of the (immutable) reason a rule gives."""
    return _reason_number(rule.id, rule.text, rule.source)


# A limit is (cap, from an unknown, reason number); the reasons are shown sorted by cap (the most decisive first).
_Limit = tuple[int, bool, int]


class _Effect(NamedTuple):
    """What a patient-level rule does once its condition is true or unknown (read only then: most are false)."""

    then: int
    if_unknown: int
    reason: int
    limit: _Limit  # (then, False, reason), made once
    unknown_limit: _Limit  # (if_unknown, True, unknown_reason)
    asks: tuple[str, ...]
    # The exclusions after this rule in its table. Once a known fact excludes the procedure, only these can
    # still add to the reasons shown, so the others are not evaluated at all.
    later_exclusions: tuple[_PatientRule, ...]


_PatientRule = tuple[int, Callable[..., bool | Unknown], _Effect]  # memo slot, condition, effect


def _patient_rules(rules: list[_Compiled]) -> tuple[_PatientRule, ...]:
    prepared: list[_PatientRule] = []
    for rule in reversed(rules):
        later = tuple(entry for entry in prepared if entry[2].then == _NC)
        effect = _Effect(rule.then, rule.if_unknown, rule.reason, (rule.then, False, rule.reason),
                         (rule.if_unknown, True, rule.unknown_reason), rule.asks, later)
        prepared.insert(0, (rule.key, rule.test, effect))
    return tuple(prepared)


class _Table(NamedTuple):
    """A procedure's rule table, prepared: patient-level rules, per-level rules, and where the levels come from."""

    procedure: ProcedureId
    patient_rules: tuple[_PatientRule, ...]
    level_rules: tuple[_Compiled, ...]
    indication: int
    levels: Callable[[Facts], list[LevelGroup]] | None


def _prepare(table: ProcedureRules) -> _Table:
    return _Table(table.procedure, _patient_rules([_compile(r) for r in table.rules if not r.per_level]),
                  tuple(_compile(r) for r in table.rules if r.per_level), _reason(table.indication), table.levels)


_TABLES = tuple(_prepare(table) for table in PROCEDURE_RULES)
_URGENT_FIRST = _reason(URGENT_REVIEW_FIRST)

_cap_of = itemgetter(0)
_status_of = attrgetter("status")
_missing_of = attrgetter("missing")
_json_of = attrgetter("json")
_reason_of = itemgetter(2)


def _evaluate(table: _Table, facts: Facts, memo: list[bool | Unknown | None], urgent: bool) -> _Result:
    procedure, patient_rules, level_rules, indication, levels_of = table
    # The patient-level verdict, kept in locals (this loop runs ~100 times per intake).
    cap = known_cap = _CANDIDATE
    limits: list[_Limit] = []
    notes: list[int] = []
    patient_missing: list[str] = []
    unknown_limits = False
    todo = patient_rules
    while todo:
        for key, test, effect in todo:
            # Shared conditions (fitness, symptoms, imaging) appear in several tables: evaluate each once per intake.
            result = memo[key]
            if result is None:
                result = memo[key] = test(facts)
            if result is False:
                continue
            then, if_unknown, reason, limit, unknown_limit, asks, later_exclusions = effect
            if result is True:
                if then == _NOTE:
                    notes.append(reason)
                    continue
                if then < cap:
                    cap = then
                limits.append(limit)
                if asks:
                    patient_missing.extend(asks)
                if then < known_cap:
                    known_cap = then
                    if then == _NC:
                        # A known fact excludes the procedure: only further exclusions can add to the reasons shown.
                        todo = later_exclusions
                        break
                continue
            # Unknown: never read as no. Its fields are listed; it caps at ``if_unknown`` unless that is ASK.
            patient_missing.extend(result.paths)
            if if_unknown != _ASK:
                if if_unknown < cap:
                    cap = if_unknown
                limits.append(unknown_limit)
                unknown_limits = True
        else:
            todo = ()

    # Each level: (cap, known cap, limits, notes, missing). A known exclusion of the patient settles the
    # procedure whatever the levels say, so they are not evaluated at all then.
    levels: list[tuple[str | None, int, int, list[_Limit], list[int], list[str]]] = []
    if levels_of is not None and known_cap != _NC:
        for group in levels_of(facts):
            level_cap = level_known = _CANDIDATE
            level_limits: list[_Limit] = []
            level_notes: list[int] = []
            level_missing: list[str] = []
            for _, test, then, if_unknown, _, _, asks, by_level in level_rules:
                result = test(facts, group)
                if result is False:
                    continue
                reason, unknown_reason = by_level[group.level]
                if result is True:
                    if then == _NOTE:
                        level_notes.append(reason)
                        continue
                    if then < level_cap:
                        level_cap = then
                    if then < level_known:
                        level_known = then
                    level_limits.append((then, False, reason))
                    if asks:
                        level_missing.extend(asks)
                    continue
                level_missing.extend(result.paths)
                if if_unknown != _ASK:
                    if if_unknown < level_cap:
                        level_cap = if_unknown
                    level_limits.append((if_unknown, True, unknown_reason))
            levels.append((group.level, min(cap, level_cap), level_known, level_limits, level_notes,
                           level_missing))

    # The procedure takes its best level; the reasons shown are the patient's and the winning levels'.
    final = max(level[1] for level in levels) if levels else cap
    missing: list[str] = []
    level_names: list[str] = []
    if final != _NC:
        missing.extend(patient_missing)
        for level in levels:
            if level[1] == final:
                limits.extend(level[3])
                notes.extend(level[4])
                missing.extend(level[5])
                if level[0] is not None:
                    level_names.append(level[0])
            elif level[2] > final:
                missing.extend(level[5])
    else:
        for level in levels:
            if level[1] == final:
                limits.extend(level[3])
                unknown_limits = True
        # What settles it is a known fact; unknowns cannot change it, so their reasons would only distract.
        if unknown_limits:
            limits = [item for item in limits if not item[1]]
    if len(limits) > 1:
        limits.sort(key=_cap_of)
    # Levels come in LEVELS order from table.levels (Facts.levels is sorted), each at most once.
    # Everything the result depends on:
    signature = (procedure, final, urgent, tuple(level_names), tuple(limits), tuple(notes), tuple(missing))
    outcome = _RESULTS.get(signature)
    if outcome is None:
        outcome = _PREVIOUS_RESULTS.get(signature)
        if outcome is None:
            reasons = _unique([*map(_reason_of, limits), indication, *notes])
            if urgent:
                reasons.append(_URGENT_FIRST)
            outcome = _Result(procedure, _STATUS[final], level_names, reasons, list(dict.fromkeys(missing)))
        _remember(signature, outcome)
    return outcome


class _Result:
    """One procedure's result, as its JSON and as the contract model (made when first asked for).

    Most intakes end in one of a few thousand procedure results (the same status, reasons and missing fields):
    each distinct one is built once and then shared (see ``_RESULTS``). Never changed once built.
    """

    __slots__ = ("_model", "json", "levels", "missing", "procedure", "reasons", "status")

    def __init__(self, procedure: ProcedureId, status: Status, levels: list[str], reasons: list[int],
                 missing: list[str]) -> None:
        self.procedure = procedure
        self.status = status
        self.levels = levels
        self.reasons = reasons
        self.missing = missing
        self._model: ProcedureAssessment | None = None
        # ``self.model().model_dump_json()``, from the reasons' JSON made once (checked equal in the tests).
        self.json = (f'{_HEADS[procedure, status]}{_json_list(levels)},'
                     f'"reasons":[{",".join(map(_REASON_JSON.__getitem__, reasons))}],'
                     f'"missing":{_json_list(missing)}}}')

    def model(self) -> ProcedureAssessment:
        if self._model is None:
            self._model = ProcedureAssessment(procedure=self.procedure, status=self.status, levels=self.levels,
                                              reasons=[_REASONS[n] for n in self.reasons], missing=self.missing)
        return self._model


# Bounded, so memory stays flat however long the batch: when full, the results are kept one more round as the
# previous ones, and those asked for again come back (the common results stay; the one-offs go).
_RESULTS: dict[tuple[object, ...], _Result] = {}
_PREVIOUS_RESULTS: dict[tuple[object, ...], _Result] = {}
_RESULTS_MAX = 4096


def _remember(key: tuple[object, ...], result: _Result) -> _Result:
    global _RESULTS, _PREVIOUS_RESULTS
    if len(_RESULTS) >= _RESULTS_MAX:
        _PREVIOUS_RESULTS = _RESULTS
        _RESULTS = {}
    _RESULTS[key] = result
    return result


def _json(value: str | list[str]) -> str:
    """A string or a list of strings as the contract's JSON (pydantic's own serializer: same escaping)."""
    return to_json(value).decode()


def _json_list(values: list[str]) -> str:
    return _json(values) if values else "[]"


# The few strings an assessment is made of (urgency, next step, advice, ...), each turned into JSON once.
_STRING_JSON: dict[str, str] = {}


def _json_string(value: str) -> str:
    text = _STRING_JSON.get(value)
    if text is None:
        text = _json(value)
        if len(_STRING_JSON) < 1024:
            _STRING_JSON[value] = text
    return text


_HEADS = {(procedure, status): f'{{"procedure":{_json(procedure)},"status":{_json(status)},"levels":'
          for procedure in PROCEDURE_IDS for status in _STATUS}


def _emergency(table: ProcedureRules, facts: Facts) -> _Result:
    status, rule = EMERGENCY_STATUSES[table.procedure]
    groups = table.levels(facts) if table.levels and status == "possible" else []
    return _Result(table.procedure, status, _levels(groups), [_reason(rule)], [])


# Red flags and risk factors say the same thing whenever they fire, and the models are frozen: built once.
_RED_FLAGS = {r.id: RedFlag(id=r.id, title=r.title, explanation=r.explanation, source=r.source)
              for r in RED_FLAG_RULES}
_RED_FLAG_JSON = {rule_id: flag.model_dump_json() for rule_id, flag in _RED_FLAGS.items()}
_RISK_FACTORS = {r.id: RiskFactor(id=r.id, text=r.text, source=r.source) for r in RISK_FACTOR_RULES}
_RISK_FACTOR_JSON = {rule_id: factor.model_dump_json() for rule_id, factor in _RISK_FACTORS.items()}
_RISK_FACTOR_TESTS = tuple((r.when.test, r.id) for r in RISK_FACTOR_RULES)


_RED_FLAG_TESTS = tuple((rule.when.test, rule, _URGENCY_RANK[rule.urgency]) for rule in RED_FLAG_RULES)
_URGENCIES: tuple[Urgency, ...] = ("routine", "urgent", "emergency")  # by rank


def _urgency(facts: Facts) -> tuple[Urgency, list[RedFlagRule], list[str]]:
    fired: list[RedFlagRule] = []
    unknown: list[tuple[int, Unknown]] = []
    rank = 0
    for test, rule, rule_rank in _RED_FLAG_TESTS:
        result = test(facts)
        if result is False:
            continue
        if result is True:
            fired.append(rule)
            if rule_rank > rank:
                rank = rule_rank
        else:
            unknown.append((rule_rank, result))
    urgency = _URGENCIES[rank]
    # An unknown that could raise urgency is a question to ask, never reassurance.
    questions = [p for rule_rank, result in unknown if rule_rank > rank for p in result.paths] if unknown else []
    if len(fired) > 1:
        fired.sort(key=lambda r: -_URGENCY_RANK[r.urgency])
    return urgency, fired, questions


_STEPS = tuple((step.when, step.if_unknown == "skip", step.then, step.advice) for step in NEXT_STEPS)


def _next_step(facts: Facts, urgency: Urgency, statuses: dict[str, Status]) -> tuple[NextStep, str, list[str]]:
    if urgency == "emergency":
        return "emergency_department", ADVICE_EMERGENCY, []
    if urgency == "urgent":
        return "urgent_specialist_review", ADVICE_URGENT, []
    missing: list[str] = []
    for when, skip_if_unknown, then, advice in _STEPS:
        result = when(facts, statuses)
        if result is False:
            continue
        if result is not True:
            # Unknown: listed as missing; the step is taken anyway ("take") or the next one is tried ("skip").
            missing.extend(result.paths)
            if skip_if_unknown:
                continue
        return then, imaging_advice(facts) if then == "imaging" else advice, missing
    raise AssertionError("the last next step always applies")  # pragma: no cover


class _Verdict(NamedTuple):
    """Everything an assessment says, before it is made into the contract model or its JSON."""

    urgency: Urgency
    next_step: NextStep
    red_flags: list[RedFlagRule]
    procedures: list[_Result]
    risk_factors: list[str]  # ids
    missing_information: list[str]
    advice: str


def _assess(intake: Intake) -> _Verdict:
    facts = Facts(intake)
    urgency, red_flags, questions = _urgency(facts)
    facts.urgency = urgency

    if urgency == "emergency":
        procedures = [_emergency(table, facts) for table in PROCEDURE_RULES]
    else:
        memo: list[bool | Unknown | None] = [None] * len(_SLOTS)
        # When urgent, every procedure's reasons end with "the urgent review comes first".
        urgent = urgency == "urgent"
        procedures = [_evaluate(table, facts, memo, urgent) for table in _TABLES]

    statuses: dict[str, Status] = dict(zip(PROCEDURE_IDS, map(_status_of, procedures), strict=True))
    next_step, advice, step_missing = _next_step(facts, urgency, statuses)

    # The unasked cauda equina questions first, then what would raise urgency, the next step's and each
    # procedure's missing fields; each once, where it first appears.
    ces = [path for path, answer in zip(CES_FIELDS, _ces_answers(intake.red_flags), strict=True) if answer is None]
    missing = list(dict.fromkeys(chain(ces, questions, step_missing, *map(_missing_of, procedures))))
    risk_factors = [rule_id for test, rule_id in _RISK_FACTOR_TESTS if test(facts) is True]
    return _Verdict(urgency, next_step, red_flags, procedures, risk_factors, missing, advice)


def assess(intake: Intake) -> Assessment:
    """Assess one intake against ruleset ``RULESET_VERSION``. Supports, never replaces, a clinician."""
    verdict = _assess(intake)
    urgency = verdict.urgency
    return Assessment(
        ruleset_version=RULESET_VERSION,
        urgency=urgency,
        next_step=verdict.next_step,
        red_flags=[_RED_FLAGS[r.id] for r in verdict.red_flags],
        procedures=[p.model() for p in verdict.procedures],
        risk_factors=[_RISK_FACTORS[r] for r in verdict.risk_factors],
        missing_information=verdict.missing_information,
        advice=verdict.advice,
        safety_net=None if urgency == "emergency" else SAFETY_NET,
        disclaimer=DISCLAIMER,
    )


_JSON_HEAD = f'{{"schema":{_json(ASSESSMENT_SCHEMA_ID)},"ruleset_version":{_json(RULESET_VERSION)},"urgency":'
_JSON_SAFETY_NET = f',"safety_net":{_json(SAFETY_NET)}'
_JSON_DISCLAIMER = f',"disclaimer":{_json(DISCLAIMER)}}}'


def assess_json(intake: Intake) -> str:
    """``assess(intake).to_json()``, the contract JSON, written without building the models (for batches).

    Made from the same verdict and from the JSON pydantic gave for each reason, red flag and risk factor; a
    property test checks that it is the same text as ``to_json()``.
    """
    urgency, next_step, red_flags, procedures, risk_factors, missing_information, advice = _assess(intake)
    return (f'{_JSON_HEAD}{_json_string(urgency)},"next_step":{_json_string(next_step)},'
            f'"red_flags":[{",".join([_RED_FLAG_JSON[r.id] for r in red_flags])}],'
            f'"procedures":[{",".join(map(_json_of, procedures))}],'
            f'"risk_factors":[{",".join(map(_RISK_FACTOR_JSON.__getitem__, risk_factors))}],'
            f'"missing_information":{_json_list(missing_information)},'
            f'"advice":{_json_string(advice)}{"" if urgency == "emergency" else _JSON_SAFETY_NET}{_JSON_DISCLAIMER}')


def _levels(groups: object) -> list[str]:
    names = {g.level for g in groups if g.level is not None}  # type: ignore[attr-defined]
    return sorted(names, key=_LEVEL_ORDER.__getitem__)


def _unique(reasons: list[int]) -> list[int]:
    """The reasons without repeats: one (rule, text) is said once."""
    if len(_RULE_TEXTS) == len(_REASONS):
        # No two numbered reasons share a rule and a text (they differ in source): a number stands for its
        # (rule, text).
        return list(dict.fromkeys(reasons))
    seen: set[tuple[str, str]] = set()
    out = []
    for number in reasons:
        reason = _REASONS[number]
        key = (reason.rule, reason.text)
        if key not in seen:
            seen.add(key)
            out.append(number)
    return out
