"""Change from baseline, and whether it reaches the instrument's MCID or a success definition.

Direction comes from the definition (lower is better for the ODI, NRS, RMDQ, ZCQ, COMI; higher for walking
tolerance and PROMIS physical function): ``improvement`` is positive when the person is better, whatever the
scale. A criterion is met when the improvement reaches its ``absolute`` points or its ``percent`` of the baseline
value, or, for ratings made after treatment, when the follow-up value is at most ``follow_up_at_most``.

Unknown is never "not met": a missing baseline or follow-up score, or a percentage of a zero baseline, gives
``met = None`` with the reason.
"""

from __future__ import annotations

from fractions import Fraction

from .models import Change, Criterion, CriterionResult, Instrument, Score

__all__ = ["change", "criterion_met"]


def change(
    baseline: Score | None, follow_up: Score | None, instrument: Instrument, *, subscale: str | None = None
) -> Change:
    """Change on ``instrument`` (or one of its subscales) from ``baseline`` to ``follow_up``.

    ``mcid_reached`` reads the instrument's ``primary_mcid`` (for a subscale: the first MCID listed for it);
    ``criteria`` has every criterion that applies to the total or to the named subscale."""
    for given in (baseline, follow_up):
        if given is not None and given.instrument != instrument.id:
            raise ValueError(f"a {given.instrument} score cannot be compared on {instrument.id}")
    higher_is_better = (
        instrument.subscale(subscale).higher_is_better if subscale else instrument.scoring.higher_is_better
    )
    criteria = [c for c in instrument.criteria if c.subscale == subscale]
    results = tuple(
        _evaluate(c, _value(baseline, subscale, c.scale), _value(follow_up, subscale, c.scale), higher_is_better)
        for c in criteria
    )
    before, after = _value(baseline, subscale, "value"), _value(follow_up, subscale, "value")
    difference = None if before is None or after is None else float(Fraction(after) - Fraction(before))
    improvement = None if difference is None else (difference if higher_is_better else -difference)
    percent = None
    if improvement is not None and before:
        percent = float(Fraction(improvement) * 100 / abs(Fraction(before)))
    primary_id = instrument.primary_mcid if subscale is None else next(
        (c.id for c in criteria if c.role == "mcid"), None
    )
    mcid = next((r.met for r in results if r.criterion == primary_id), None)
    return Change(
        instrument=instrument.id, subscale=subscale, baseline=before, follow_up=after, difference=difference,
        improvement=improvement, percent_improvement=percent, higher_is_better=higher_is_better,
        mcid_reached=mcid, criteria=results,
    )


def criterion_met(
    criterion: Criterion, baseline: float | None, follow_up: float | None, *, higher_is_better: bool
) -> bool | None:
    """The plain-values form of a criterion check (used by cohort statistics): ``None`` when unknown."""
    return _evaluate(criterion, baseline, follow_up, higher_is_better).met


def _value(score: Score | None, subscale: str | None, scale: str) -> float | None:
    if score is None:
        return None
    if subscale is None:
        return score.value
    part = score.subscale(subscale)
    return part.t_score if scale == "t_score" else part.value


def _evaluate(
    criterion: Criterion, baseline: float | None, follow_up: float | None, higher_is_better: bool
) -> CriterionResult:
    def result(met: bool | None, reason: str) -> CriterionResult:
        return CriterionResult(criterion=criterion.id, role=criterion.role, met=met, reason=reason)

    scale = "T-score" if criterion.scale == "t_score" else "score"
    if follow_up is None:
        return result(None, f"No follow-up {scale}: cannot tell.")
    if criterion.follow_up_at_most is not None:
        at_most = Fraction(follow_up) <= Fraction(criterion.follow_up_at_most)
        return result(at_most, f"Follow-up {follow_up:g} {'≤' if at_most else '>'} {criterion.follow_up_at_most:g}.")
    if baseline is None:
        return result(None, f"No baseline {scale}: cannot tell.")
    gain = Fraction(follow_up) - Fraction(baseline)
    improvement = gain if higher_is_better else -gain
    checks: list[bool | None] = []
    parts: list[str] = []
    if criterion.absolute is not None:
        checks.append(improvement >= Fraction(criterion.absolute))
        parts.append(f"improvement {float(improvement):g} vs {criterion.absolute:g} points")
    if criterion.percent is not None:
        if baseline == 0:
            checks.append(None)
            parts.append("percentage undefined for a baseline of 0")
        else:
            share = improvement * 100 / abs(Fraction(baseline))
            checks.append(share >= Fraction(criterion.percent))
            parts.append(f"{float(share):.1f}% vs {criterion.percent:g}%")
    return result(_combine(checks, criterion.combine), "; ".join(parts) + ".")


def _combine(checks: list[bool | None], how: str) -> bool | None:
    """Kleene OR ('any') or AND ('all') over the checks."""
    if how == "any":
        if any(c is True for c in checks):
            return True
        return None if any(c is None for c in checks) else False
    if any(c is False for c in checks):
        return False
    return None if any(c is None for c in checks) else True
