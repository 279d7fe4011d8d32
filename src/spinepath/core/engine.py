"""The engine: evaluates the rule tables of :mod:`spinepath.core.rules` over one intake.

It holds no medicine of its own (that is all in the tables): it runs §3.1 urgency, the procedure tables with the
§2 precedence (every rule caps the status; the lowest cap wins; per-level rules judge each level on its own and
the procedure takes the best level), then §3.2 next step, and assembles the ``spinepath.assessment/1`` document.
Pure and deterministic: no clock, no I/O, no global state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .assessment import (
    DISCLAIMER,
    SAFETY_NET,
    Assessment,
    NextStep,
    ProcedureAssessment,
    Reason,
    RedFlag,
    RiskFactor,
    Status,
    StatusRank,
    Urgency,
)
from .intake import LEVELS, Intake
from .logic import Unknown
from .rules import (
    EMERGENCY_STATUSES,
    NEXT_STEPS,
    PROCEDURE_RULES,
    RED_FLAG_RULES,
    RISK_FACTOR_RULES,
    RULESET_VERSION,
    URGENT_REVIEW_FIRST,
)
from .rules.base import ASK, Rule
from .rules.definitions import Facts, LevelGroup
from .rules.next_step import ADVICE_EMERGENCY, ADVICE_URGENT, imaging_advice
from .rules.procedure import ProcedureRules
from .rules.urgency import CES_FIELDS

__all__ = ["assess"]

_URGENCY_RANK = {"routine": 0, "urgent": 1, "emergency": 2}
_LEVEL_ORDER = {level: n for n, level in enumerate(LEVELS)}


# Statuses are handled as plain ints inside the hot loop (IntEnum attribute access is slow); see StatusRank.
_NC, _INSUFFICIENT, _POSSIBLE, _CANDIDATE = 0, 1, 2, 3
_STATUS = tuple(rank.status for rank in StatusRank)
_NOTE = -1  # a rule that only adds a reason
_ASK = -2  # an unknown that is only listed as missing


@dataclass(frozen=True, slots=True)
class _Compiled:
    """A rule prepared for evaluation: its effects as ints and its reasons built once."""

    key: int
    test: object
    then: int
    if_unknown: int
    reason: Reason
    unknown_text: str
    rule: Rule


def _compile(rule: Rule) -> _Compiled:
    unknown_text = rule.unknown_text or f"We can't tell yet: {rule.text[0].lower()}{rule.text[1:]}"
    return _Compiled(
        key=id(rule.when), test=rule.when.test,
        then=_NOTE if rule.then is None else int(rule.then),
        if_unknown=_ASK if rule.if_unknown == ASK else int(rule.if_unknown),
        reason=Reason(rule=rule.id, text=rule.text, source=rule.source), unknown_text=unknown_text, rule=rule)


@dataclass(slots=True, eq=False)
class _Verdict:
    """What the rules said about one procedure (patient-level) or one level of it."""

    cap: int = _CANDIDATE
    known_cap: int = _CANDIDATE  # the cap from known facts alone
    limits: list[tuple[int, bool, Reason]] = field(default_factory=list)  # (cap, from an unknown, why)
    notes: list[Reason] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def apply(self, rule: _Compiled, result: bool | Unknown, prefix: str) -> None:
        if result is True:
            reason = rule.reason if not prefix else Reason(rule=rule.rule.id, text=prefix + rule.rule.text,
                                                           source=rule.rule.source)
            if rule.then == _NOTE:
                self.notes.append(reason)
                return
            if rule.then < self.cap:
                self.cap = rule.then
            if rule.then < self.known_cap:
                self.known_cap = rule.then
            self.limits.append((rule.then, False, reason))
            if rule.rule.asks:
                self.missing.extend(rule.rule.asks)
            return
        self.missing.extend(result.paths)  # type: ignore[union-attr]
        if rule.if_unknown == _ASK:
            return
        if rule.if_unknown < self.cap:
            self.cap = rule.if_unknown
        self.limits.append((rule.if_unknown, True, Reason(rule=rule.rule.id, text=prefix + rule.unknown_text,
                                                          source=rule.rule.source)))


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


def _evaluate(table: ProcedureRules, facts: Facts, memo: dict[int, bool | Unknown]) -> ProcedureAssessment:
    patient = _Verdict()
    patient_rules, level_rules, indication = _SPLIT_RULES[table.procedure]
    for rule in patient_rules:
        if patient.known_cap == _NC and rule.then != _NC:
            # A known fact already excludes the procedure: only further exclusions can add to the reasons shown.
            continue
        # Shared conditions (fitness, symptoms) appear in several tables: evaluate each once per intake.
        result = memo.get(rule.key)
        if result is None:
            result = memo[rule.key] = rule.test(facts)  # type: ignore[operator]
        if result is not False:
            patient.apply(rule, result, "")

    levels: list[tuple[LevelGroup, _Verdict]] = []
    if table.levels and patient.known_cap != _NC:
        for group in table.levels(facts):
            verdict = _Verdict()
            prefix = f"{group.level}: " if group.level else ""
            for rule in level_rules:
                result = rule.test(facts, group)  # type: ignore[operator]
                if result is not False:
                    verdict.apply(rule, result, prefix)
            levels.append((group, verdict))

    final = patient.cap
    if levels:
        final = max(min(patient.cap, v.cap) for _, v in levels)
    winners = [v for _, v in levels if min(patient.cap, v.cap) == final]

    limits = patient.limits
    notes = patient.notes
    missing: list[str] = []
    if final != _NC:
        missing.extend(patient.missing)
        for _, verdict in levels:
            if verdict in winners or verdict.known_cap > final:
                missing.extend(verdict.missing)
    for verdict in winners:
        limits.extend(verdict.limits)
        if final != _NC:
            notes.extend(verdict.notes)
    if final == _NC:
        # What settles it is a known fact; unknowns cannot change it, so their reasons would only distract.
        limits = [item for item in limits if not item[1]]
    limits.sort(key=_first)
    reasons = _unique([r for _, _, r in limits] + [indication] + notes)

    level_names = [] if final == _NC else _levels(g for g, v in levels if v in winners)
    return ProcedureAssessment(procedure=table.procedure, status=_STATUS[final], levels=level_names,
                               reasons=reasons, missing=_dedupe(missing))


def _first(item: tuple[int, bool, Reason]) -> int:
    return item[0]


def _emergency(table: ProcedureRules, facts: Facts) -> ProcedureAssessment:
    status, rule = EMERGENCY_STATUSES[table.procedure]
    groups = table.levels(facts) if table.levels and status == "possible" else []
    return ProcedureAssessment(procedure=table.procedure, status=status, levels=_levels(groups),
                               reasons=[_reason(rule)], missing=[])


def _urgency(facts: Facts) -> tuple[Urgency, list[RedFlag], list[str]]:
    results = [(rule, rule.when.test(facts)) for rule in RED_FLAG_RULES]
    fired = [rule for rule, result in results if result is True]
    urgency: Urgency = "routine"
    if any(r.urgency == "emergency" for r in fired):
        urgency = "emergency"
    elif fired:
        urgency = "urgent"
    # An unknown that could raise urgency is a question to ask, never reassurance.
    questions = [p for rule, result in results if isinstance(result, Unknown)
                 and _URGENCY_RANK[rule.urgency] > _URGENCY_RANK[urgency] for p in result.paths]
    fired.sort(key=lambda r: -_URGENCY_RANK[r.urgency])
    flags = [RedFlag(id=r.id, title=r.title, explanation=r.explanation, source=r.source) for r in fired]
    return urgency, flags, questions


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
        memo: dict[int, bool | Unknown] = {}
        procedures = [_evaluate(table, facts, memo) for table in PROCEDURE_RULES]
        if urgency == "urgent":
            first = _reason(URGENT_REVIEW_FIRST)
            procedures = [p.model_copy(update={"reasons": [*p.reasons, first]}) for p in procedures]

    statuses: dict[str, Status] = {p.procedure: p.status for p in procedures}
    next_step, advice, step_missing = _next_step(facts, urgency, statuses)

    ces_unknown = [p for p in CES_FIELDS if getattr(intake.red_flags, p.rsplit("/", 1)[1]) is None]
    missing_information = _dedupe([*ces_unknown, *questions, *step_missing,
                                   *(path for p in procedures for path in p.missing)])
    risk_factors = [RiskFactor(id=r.id, text=r.text, source=r.source)
                    for r in RISK_FACTOR_RULES if r.when.test(facts) is True]
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
