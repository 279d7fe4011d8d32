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


@dataclass(slots=True)
class _Verdict:
    """What the rules said about one procedure (patient-level) or one level of it."""

    cap: StatusRank = StatusRank.CANDIDATE
    known_cap: StatusRank = StatusRank.CANDIDATE  # the cap from known facts alone
    limits: list[tuple[StatusRank, Reason]] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def apply(self, rule: Rule, result: bool | Unknown, prefix: str) -> None:
        if result is False:
            return
        if result is True:
            reason = Reason(rule=rule.id, text=prefix + rule.text, source=rule.source)
            if rule.then is None:
                self.notes.append(reason)
                return
            self.cap = min(self.cap, rule.then)
            self.known_cap = min(self.known_cap, rule.then)
            self.limits.append((rule.then, reason))
            self.missing.extend(rule.asks)
            return
        self.missing.extend(result.paths)
        if rule.if_unknown == ASK:
            return
        cap = StatusRank(rule.if_unknown)
        self.cap = min(self.cap, cap)
        text = rule.unknown_text or f"We can't tell yet: {rule.text[0].lower()}{rule.text[1:]}"
        self.limits.append((cap, Reason(rule=rule.id, text=prefix + text, source=rule.source)))


def _evaluate(table: ProcedureRules, facts: Facts) -> ProcedureAssessment:
    patient = _Verdict()
    level_rules: list[Rule] = []
    for rule in table.rules:
        if rule.per_level:
            level_rules.append(rule)
        else:
            patient.apply(rule, rule.when.test(facts), "")

    levels: list[tuple[LevelGroup, _Verdict]] = []
    for group in table.levels(facts) if table.levels else ():
        verdict = _Verdict()
        prefix = f"{group.level}: " if group.level else ""
        for rule in level_rules:
            verdict.apply(rule, rule.when.test(facts, group), prefix)
        levels.append((group, verdict))

    final = max((min(patient.cap, v.cap) for _, v in levels), default=patient.cap)
    winners = [(g, v) for g, v in levels if min(patient.cap, v.cap) == final]

    limits = list(patient.limits)
    notes = list(patient.notes)
    missing: list[str] = []
    if final != StatusRank.NOT_CANDIDATE:
        missing.extend(patient.missing)
        for group, verdict in levels:
            if (group, verdict) in winners or verdict.known_cap > final:
                missing.extend(verdict.missing)
    for _, verdict in winners:
        limits.extend(verdict.limits)
        if final != StatusRank.NOT_CANDIDATE:
            notes.extend(verdict.notes)
    limits.sort(key=lambda item: item[0])
    reasons = _unique([r for _, r in limits] + [_reason(table.indication)] + notes)

    level_names = [] if final == StatusRank.NOT_CANDIDATE else _levels(g for g, _ in winners)
    return ProcedureAssessment(procedure=table.procedure, status=final.status, levels=level_names,  # type: ignore[arg-type]
                               reasons=reasons, missing=_dedupe(missing))


def _emergency(table: ProcedureRules, facts: Facts) -> ProcedureAssessment:
    status, rule = EMERGENCY_STATUSES[table.procedure]
    groups = table.levels(facts) if table.levels and status == "possible" else []
    return ProcedureAssessment(procedure=table.procedure, status=status, levels=_levels(groups),  # type: ignore[arg-type]
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
        procedures = [_evaluate(table, facts) for table in PROCEDURE_RULES]
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


def _reason(rule: Rule) -> Reason:
    return Reason(rule=rule.id, text=rule.text, source=rule.source)


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
