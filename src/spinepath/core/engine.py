"""The engine: evaluates the rule tables of :mod:`spinepath.core.rules` over one intake.

It holds no medicine of its own (that is all in the tables): it runs §3.1 urgency, the procedure tables with the
§2 precedence (every rule caps the status; the lowest cap wins; per-level rules judge each level on its own and
the procedure takes the best level), then §3.2 next step, and assembles the ``spinepath.assessment/1`` document.
Pure and deterministic: no clock, no I/O, no global state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from .assessment import (
    DISCLAIMER,
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
from .rules.definitions import Facts
from .rules.next_step import ADVICE_EMERGENCY, ADVICE_URGENT, imaging_advice
from .rules.procedure import ProcedureRules
from .rules.urgency import CES_FIELDS, RedFlagRule

__all__ = ["assess"]

# Fail at start-up, not at the bedside: every rule must cite a source the knowledge base knows, ids are unique
# per table, and all seven procedures are covered.
check_ruleset(load_knowledge().sources)

_URGENCY_RANK = {"routine": 0, "urgent": 1, "emergency": 2}
_CES_NAMES = tuple((path, path.rsplit("/", 1)[1]) for path in CES_FIELDS)  # (pointer, red_flags field)
_LEVEL_ORDER = {level: n for n, level in enumerate(LEVELS)}


# Statuses are handled as plain ints inside the hot loop (IntEnum attribute access is slow); see StatusRank.
_NC, _INSUFFICIENT, _POSSIBLE, _CANDIDATE = 0, 1, 2, 3
_STATUS = tuple(rank.status for rank in StatusRank)
_NOTE = -1  # a rule that only adds a reason
_ASK = -2  # an unknown that is only listed as missing


class _Compiled(NamedTuple):
    """A rule prepared for evaluation: its effects as ints and every reason it can give built once.

    Reasons are immutable, so the engine hands out the same objects to every assessment instead of validating a
    new one each time a rule fires. Per-level rules prefix their text with the level ("L4-L5: ..."), so they
    keep one reason per level (level None: findings of unknown level, no prefix). A tuple, so that the hot loop
    unpacks it in one step.
    """

    key: int  # the condition's slot in the per-intake memo
    test: Callable[..., bool | Unknown]
    then: int
    if_unknown: int
    reason: Reason  # what the rule says when its condition is true
    unknown_reason: Reason  # what it says when its condition is unknown
    asks: tuple[str, ...]
    by_level: dict[str | None, tuple[Reason, Reason]]  # per-level rules: (reason, unknown_reason) per level


# Every distinct condition gets a slot in the per-intake memo (a list: cheaper than a dict in the hot loop).
# Conditions are shared objects (When constants), so a condition used by several tables has one slot.
_SLOTS: dict[int, int] = {}


def _slot(when: object) -> int:
    return _SLOTS.setdefault(id(when), len(_SLOTS))


def _compile(rule: Rule) -> _Compiled:
    unknown_text = rule.unknown_text or f"We can't tell yet: {rule.text[0].lower()}{rule.text[1:]}"

    def reasons(prefix: str) -> tuple[Reason, Reason]:
        return (Reason(rule=rule.id, text=prefix + rule.text, source=rule.source),
                Reason(rule=rule.id, text=prefix + unknown_text, source=rule.source))

    by_level: dict[str | None, tuple[Reason, Reason]] = {}
    if rule.per_level:
        by_level = {level: reasons(f"{level}: ") for level in LEVELS}
        by_level[None] = reasons("")
    reason, unknown_reason = reasons("")
    return _Compiled(
        key=_slot(rule.when), test=rule.when.test,
        then=_NOTE if rule.then is None else int(rule.then),
        if_unknown=_ASK if rule.if_unknown == ASK else int(rule.if_unknown),
        reason=reason, unknown_reason=unknown_reason, asks=rule.asks, by_level=by_level)


_REASONS: dict[int, Reason] = {}


def _reason(rule: Rule) -> Reason:
    """The (immutable) reason a rule gives, built once per rule."""
    reason = _REASONS.get(id(rule))
    if reason is None:
        reason = _REASONS[id(rule)] = Reason(rule=rule.id, text=rule.text, source=rule.source)
    return reason


def _split(table: ProcedureRules) -> tuple[tuple[_Compiled, ...], tuple[_Compiled, ...], Reason]:
    return (tuple(_compile(r) for r in table.rules if not r.per_level),
            tuple(_compile(r) for r in table.rules if r.per_level), _reason(table.indication))


_SPLIT_RULES = {table.procedure: _split(table) for table in PROCEDURE_RULES}
_URGENT_FIRST = _reason(URGENT_REVIEW_FIRST)

# A limit is (cap, from an unknown, reason); the reasons are shown sorted by cap (the most decisive first).
_Limit = tuple[int, bool, Reason]


def _evaluate(table: ProcedureRules, facts: Facts, memo: list[bool | Unknown | None],
              urgent: bool) -> ProcedureAssessment:
    patient_rules, level_rules, indication = _SPLIT_RULES[table.procedure]
    # The patient-level verdict, kept in locals (this loop runs ~100 times per intake).
    cap = known_cap = _CANDIDATE
    limits: list[_Limit] = []
    notes: list[Reason] = []
    patient_missing: list[str] = []
    for key, test, then, if_unknown, reason, unknown_reason, asks, _ in patient_rules:
        if known_cap == _NC and then != _NC:
            # A known fact already excludes the procedure: only further exclusions can add to the reasons shown.
            continue
        # Shared conditions (fitness, symptoms, imaging) appear in several tables: evaluate each once per intake.
        result = memo[key]
        if result is None:
            result = memo[key] = test(facts)
        if result is False:
            continue
        if result is True:
            if then == _NOTE:
                notes.append(reason)
                continue
            if then < cap:
                cap = then
            if then < known_cap:
                known_cap = then
            limits.append((then, False, reason))
            if asks:
                patient_missing.extend(asks)
            continue
        # Unknown: never read as no. Its fields are listed; it caps at ``if_unknown`` unless that is ASK.
        patient_missing.extend(result.paths)
        if if_unknown != _ASK:
            if if_unknown < cap:
                cap = if_unknown
            limits.append((if_unknown, True, unknown_reason))

    # Each level: (cap, known cap, limits, notes, missing). A known exclusion of the patient settles the
    # procedure whatever the levels say, so they are not evaluated at all then.
    levels: list[tuple[str | None, int, int, list[_Limit], list[Reason], list[str]]] = []
    if table.levels and known_cap != _NC:
        for group in table.levels(facts):
            level_cap = level_known = _CANDIDATE
            level_limits: list[_Limit] = []
            level_notes: list[Reason] = []
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
        # What settles it is a known fact; unknowns cannot change it, so their reasons would only distract.
        limits = [item for item in limits if not item[1]]
    if len(limits) > 1:
        limits.sort(key=_first)
    reasons = _unique([r for _, _, r in limits] + [indication] + notes)
    if urgent:
        reasons.append(_URGENT_FIRST)
    # Levels come in LEVELS order from table.levels (Facts.levels is sorted), each at most once.
    return _procedure(table.procedure, _STATUS[final], level_names, reasons, _dedupe(missing) if missing else missing)


# Most intakes end in one of a few thousand procedure results (the same status, reasons and missing fields), and
# results are frozen: each distinct one is validated once and then shared. Bounded, so memory stays flat.
_PROCEDURES: dict[tuple[object, ...], ProcedureAssessment] = {}
_PROCEDURES_MAX = 8192


def _procedure(procedure: ProcedureId, status: Status, levels: list[str], reasons: list[Reason],
               missing: list[str]) -> ProcedureAssessment:
    # Every Reason comes from the rule tables (built once at import and kept alive), so its id names it.
    key = (procedure, status, *levels, None, *map(id, reasons), None, *missing)
    result = _PROCEDURES.get(key)
    if result is None:
        if len(_PROCEDURES) >= _PROCEDURES_MAX:
            _PROCEDURES.clear()
        result = _PROCEDURES[key] = ProcedureAssessment(procedure=procedure, status=status, levels=levels,
                                                        reasons=reasons, missing=missing)
    return result


def _first(item: tuple[int, bool, Reason]) -> int:
    return item[0]


def _emergency(table: ProcedureRules, facts: Facts) -> ProcedureAssessment:
    status, rule = EMERGENCY_STATUSES[table.procedure]
    groups = table.levels(facts) if table.levels and status == "possible" else []
    return ProcedureAssessment(procedure=table.procedure, status=status, levels=_levels(groups),
                               reasons=[_reason(rule)], missing=[])


# Red flags and risk factors say the same thing whenever they fire, and the models are frozen: built once.
_RED_FLAGS = {r.id: RedFlag(id=r.id, title=r.title, explanation=r.explanation, source=r.source)
              for r in RED_FLAG_RULES}
_RISK_FACTORS = {r.id: RiskFactor(id=r.id, text=r.text, source=r.source) for r in RISK_FACTOR_RULES}


def _urgency(facts: Facts) -> tuple[Urgency, list[RedFlag], list[str]]:
    fired: list[RedFlagRule] = []
    unknown: list[tuple[RedFlagRule, Unknown]] = []
    for rule in RED_FLAG_RULES:
        result = rule.when.test(facts)
        if result is True:
            fired.append(rule)
        elif result is not False:
            unknown.append((rule, result))
    urgency: Urgency = "routine"
    if any(r.urgency == "emergency" for r in fired):
        urgency = "emergency"
    elif fired:
        urgency = "urgent"
    # An unknown that could raise urgency is a question to ask, never reassurance.
    rank = _URGENCY_RANK[urgency]
    questions = [p for rule, result in unknown if _URGENCY_RANK[rule.urgency] > rank for p in result.paths]
    if len(fired) > 1:
        fired.sort(key=lambda r: -_URGENCY_RANK[r.urgency])
    return urgency, [_RED_FLAGS[r.id] for r in fired], questions


def _next_step(facts: Facts, urgency: Urgency, statuses: dict[str, Status]) -> tuple[NextStep, str, list[str]]:
    if urgency == "emergency":
        return "emergency_department", ADVICE_EMERGENCY, []
    if urgency == "urgent":
        return "urgent_specialist_review", ADVICE_URGENT, []
    missing: list[str] = []
    for step in NEXT_STEPS:
        result = step.when(facts, statuses)
        if isinstance(result, Unknown):
            missing.extend(result.paths)
            if step.if_unknown == "skip":
                continue
        elif result is False:
            continue
        advice = imaging_advice(facts) if step.then == "imaging" else step.advice
        return step.then, advice, missing
    raise AssertionError("the last next step always applies")  # pragma: no cover


def assess(intake: Intake) -> Assessment:
    """Assess one intake against ruleset ``RULESET_VERSION``. Supports, never replaces, a clinician."""
    facts = Facts(intake)
    urgency, red_flags, questions = _urgency(facts)
    facts.urgency = urgency

    if urgency == "emergency":
        procedures = [_emergency(table, facts) for table in PROCEDURE_RULES]
    else:
        memo: list[bool | Unknown | None] = [None] * len(_SLOTS)
        # When urgent, every procedure's reasons end with "the urgent review comes first".
        urgent = urgency == "urgent"
        procedures = [_evaluate(table, facts, memo, urgent) for table in PROCEDURE_RULES]

    statuses: dict[str, Status] = {p.procedure: p.status for p in procedures}
    next_step, advice, step_missing = _next_step(facts, urgency, statuses)

    missing = [path for path, name in _CES_NAMES if getattr(intake.red_flags, name) is None]
    missing += questions
    missing += step_missing
    for procedure in procedures:
        missing += procedure.missing
    missing_information = _dedupe(missing)
    risk_factors = [_RISK_FACTORS[r.id] for r in RISK_FACTOR_RULES if r.when.test(facts) is True]
    return Assessment(
        ruleset_version=RULESET_VERSION,
        urgency=urgency,
        next_step=next_step,
        red_flags=red_flags,
        procedures=procedures,
        risk_factors=risk_factors,
        missing_information=missing_information,
        advice=advice,
        safety_net=None if urgency == "emergency" else SAFETY_NET,
        disclaimer=DISCLAIMER,
    )


def _levels(groups: object) -> list[str]:
    names = {g.level for g in groups if g.level is not None}  # type: ignore[attr-defined]
    return sorted(names, key=_LEVEL_ORDER.__getitem__)


def _unique(reasons: list[Reason]) -> list[Reason]:
    seen: set[tuple[str, str]] = set()
    out = []
    for reason in reasons:
        key = (reason.rule, reason.text)
        if key not in seen:
            seen.add(key)
            out.append(reason)
    return out


def _dedupe(paths: list[str]) -> list[str]:
    return list(dict.fromkeys(paths))
